// gemmvec: the CPU hierarchical-softmax step, over the row kernels of cpu/row_kernels.h.
//
// The sigmoid is exact at every score: word2vec.c skips a node whose |score| > 6 (its table's
// range), gensim does not; skipping is a speed trick of the table, and with an exact sigmoid a
// saturated node's update is simply tiny.
#include "cpu/hs_step.h"

#include <cstring>

#include "cpu/row_kernels.h"
#include "math/negative_sampling.h"

namespace gemmvec {

GV_CLONES
double cpu_hs_step(Embeddings& m, const HuffmanTree& tree, const GroupPairs& g, float lr, StepScratch& s,
                   bool with_loss) {
  const uint32_t d = m.dim;
  const uint32_t longest = tree.max_length();
  grow(s.mean, d);
  grow(s.d_in, d);
  grow(s.scores, longest);
  grow(s.rows, longest);
  float* __restrict du = s.d_in.data();
  float* __restrict f = s.scores.data();
  float** rows = s.rows.data();
  double loss = 0;
  for (uint32_t p = 0; p < g.pairs(); ++p) {
    const uint32_t o = g.outs[g.out_of[p]];
    const uint32_t len = tree.length(o);
    const uint32_t* nodes = tree.nodes(o);
    const uint8_t* code = tree.code(o);
    const uint32_t b = g.input_begin[p], n_in = g.input_begin[p + 1] - b;
    const float* u = pair_input(m, g.inputs.data() + b, n_in, s.mean.data());
    for (uint32_t j = 0; j < len; ++j) rows[j] = m.out_row(nodes[j]);
    // The nodes of a path are distinct rows: all scores first, then all updates, is
    // word2vec.c's node-by-node order.
    dots(u, rows, len, d, f);
    for (uint32_t j = 0; j < len; ++j) {
      if (with_loss) loss -= log_sigmoid(code[j] ? -f[j] : f[j]);
      f[j] = lr * (1.0f - static_cast<float>(code[j]) - sigmoid(f[j]));
    }
    std::memset(du, 0, sizeof(float) * d);
    combine(f, rows, len, d, du);  // from the node rows before they move
    for (uint32_t j = 0; j < len; ++j) combine(f + j, &u, 1, d, rows[j]);
    add_to_inputs(m, g.inputs.data() + b, n_in, du);
  }
  return loss;
}

}  // namespace gemmvec
