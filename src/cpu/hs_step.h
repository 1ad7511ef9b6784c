// gemmvec: one hierarchical-softmax step on the CPU (model.loss hs): each pair predicts its
// output word's path in the Huffman tree, as word2vec.c's `-hs 1`.
#pragma once
#include "cpu/cpu_step.h"
#include "train/huffman_tree.h"

namespace gemmvec {

// Trains the pairs of `group` one after another (its negatives are unused). A pair with input
// u (a row, or the mean of the CBOW context rows) and output word o, for each inner node n on
// o's path with branch bit c:
//   f = sigmoid(u . syn1[n]),  g = lr (1 - c - f),  du += g syn1[n],  syn1[n] += g u
// then every input row of the pair += du (CBOW: each context row gets all of du). The output
// matrix rows are the tree's inner nodes. Returns the pairs' loss, -sum log sigmoid(+-u.syn1[n])
// along the paths, when `with_loss`, else 0.
double cpu_hs_step(Embeddings& m, const HuffmanTree& tree, const GroupPairs& group, float lr, StepScratch& scratch,
                   bool with_loss);

}  // namespace gemmvec
