// gemmvec: eval.heldout: each held-out text read into pairs before training (a bad file fails
// before any work), then scored by the trained model's output layer (eval/log_likelihood.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/vocab.h"
#include "eval/log_likelihood.h"
#include "gemmvec/config.h"
#include "gemmvec/embeddings.h"
#include "math/output_loss.h"
#include "train/huffman_tree.h"

namespace gemmvec {

struct HeldOutText {
  std::string file;
  HeldOutPairs pairs;
};

// hs: log P(w | u) = sum over w's path of log sigmoid(+-u . node), + where word2vec.c's code bit
// is 0; normalised by construction (log Z = 0).
class HsPathScorer final : public OutputScorer {
 public:
  HsPathScorer(const HuffmanTree& tree, const Embeddings& model) : tree_(tree), model_(model) {}
  void score(const float* u, size_t n, const uint32_t* words, double* log_p, double* log_z) const override;

 private:
  const HuffmanTree& tree_;
  const Embeddings& model_;
};

// The scorer of a loss's output layer (model.out and out_bias): the full softmax over the words
// for neg, nce and softmax, the tree's path probability for hs (`tree`: the run's; null for the
// other losses).
std::unique_ptr<OutputScorer> output_scorer(OutputLoss loss, const Embeddings& model, const HuffmanTree* tree);

// The pairs of each eval.heldout file, read as training reads its corpus (data.max_sentence_length
// and max_token_bytes; a line is a sentence) with the training vocabulary: out-of-vocabulary
// words dropped before windowing, the full model.window on each side, no subsampling, a sample of
// at most eval.heldout_pairs seeded by train.seed. Throws InputError for a file that yields no
// pair.
std::vector<HeldOutText> read_held_out(const Config& config, const Vocab& vocab);

// Each text's log-likelihood under the model: `in` (rows, dim) the input vectors, the output
// layer `model`'s out and out_bias (its `in` is not read). The scores' "log_likelihood" list.
// `stop` is polled between blocks of pairs (ScoringStopped).
nlohmann::ordered_json score_held_out(const std::vector<HeldOutText>& texts, OutputLoss loss, const float* in,
                                      const Embeddings& model, const HuffmanTree* tree, const StopCheck& stop = {});

}  // namespace gemmvec
