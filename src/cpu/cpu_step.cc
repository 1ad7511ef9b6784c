// gemmvec: the CPU group step, over the row kernels of cpu/row_kernels.h.
#include "cpu/cpu_step.h"

#include <algorithm>
#include <cstring>

#include "cpu/row_kernels.h"

namespace gemmvec {

GV_CLONES
double cpu_group_step(Embeddings& m, const GroupPairs& g, const LossWeights& w, const float* log_q,
                      StepScratch& s, bool with_loss) {
  const uint32_t d = m.dim;
  const uint32_t pairs = g.pairs();
  const uint32_t k = static_cast<uint32_t>(g.negatives.size());
  const uint32_t n_outs = static_cast<uint32_t>(g.outs.size());
  const uint32_t stride = 1 + k;
  grow(s.d_in, size_t(pairs) * d);
  grow(s.scores, size_t(pairs) * stride);
  grow(s.in_vec, pairs);
  grow(s.rows, stride);
  grow(s.gather, pairs);
  grow(s.coef, pairs);
  float* __restrict d_in = s.d_in.data();
  float* __restrict sc = s.scores.data();
  // Output rows of a pair: its center, then the K shared negatives.
  float** rows = s.rows.data();
  for (uint32_t j = 0; j < k; ++j) rows[1 + j] = m.out_row(g.negatives[j]);

  // Input vectors: the row itself, or the mean of the context rows (CBOW).
  grow(s.mean, size_t(pairs) * d);
  for (uint32_t p = 0; p < pairs; ++p) {
    const uint32_t b = g.input_begin[p];
    s.in_vec[p] = pair_input(m, g.inputs.data() + b, g.input_begin[p + 1] - b, s.mean.data() + size_t(p) * d);
  }

  // Scores, all from the rows as they are before this step; then the coefficients E.
  float* bias = m.out_bias.empty() ? nullptr : m.out_bias.data();
  double loss = 0;
  for (uint32_t p = 0; p < pairs; ++p) {
    const uint32_t o = g.outs[g.out_of[p]];
    rows[0] = m.out_row(o);
    float* e = sc + p * stride;
    dots(s.in_vec[p], rows, stride, d, e);
    if (bias) {
      e[0] += bias[o];
      for (uint32_t j = 0; j < k; ++j) e[1 + j] += bias[g.negatives[j]];
    }
    loss += output_coefs(e[0], e + 1, g.negatives.data(), o, k, w, log_q, with_loss);
  }

  // Input gradients d_in = E V, from the output rows before they change.
  for (uint32_t p = 0; p < pairs; ++p) {
    rows[0] = m.out_row(g.outs[g.out_of[p]]);
    float* di = d_in + size_t(p) * d;
    std::memset(di, 0, sizeof(float) * d);
    combine(sc + p * stride, rows, stride, d, di);
  }

  // Output updates V += E^T U, in place: they read only U and E, so a row that appears twice
  // (a negative equal to another center) simply gets both updates.
  float* coef = s.coef.data();
  const float** in_vec = s.in_vec.data();
  for (uint32_t o = 0; o < n_outs; ++o) {
    uint32_t n = 0;
    for (uint32_t p = 0; p < pairs; ++p)
      if (g.out_of[p] == o) {
        coef[n] = sc[p * stride];
        s.gather[n++] = in_vec[p];
      }
    combine(coef, s.gather.data(), n, d, m.out_row(g.outs[o]));
  }
  for (uint32_t j = 0; j < k; ++j) {
    for (uint32_t p = 0; p < pairs; ++p) coef[p] = sc[p * stride + 1 + j];
    combine(coef, in_vec, pairs, d, m.out_row(g.negatives[j]));
  }

  // Biases move by their rows' coefficients.
  if (bias)
    for (uint32_t p = 0; p < pairs; ++p) {
      const float* e = sc + p * stride;
      bias[g.outs[g.out_of[p]]] += e[0];
      for (uint32_t j = 0; j < k; ++j) bias[g.negatives[j]] += e[1 + j];
    }

  // Input updates last: the output updates above read the inputs as they were.
  for (uint32_t p = 0; p < pairs; ++p) {
    const uint32_t b = g.input_begin[p];
    add_to_inputs(m, g.inputs.data() + b, g.input_begin[p + 1] - b, d_in + size_t(p) * d);
  }
  return loss;
}

}  // namespace gemmvec
