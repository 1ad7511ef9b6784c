// gemmvec tests: a plain float64 reference of one group step (the math of docs/algorithm.md),
// written for clarity, not speed, and independently of the backends.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "reference_loss.h"

namespace gemmvec::test {

struct RefMatrices {
  uint32_t rows = 0, dim = 0;
  std::vector<double> in, out;  // (rows, dim)
  std::vector<double> bias;     // (rows) output biases, or empty
  double* in_row(uint32_t w) { return in.data() + size_t(w) * dim; }
  double* out_row(uint32_t w) { return out.data() + size_t(w) * dim; }
};

// One pair of the reference: the input rows it averages, its output word.
struct RefPair {
  std::vector<uint32_t> inputs;
  uint32_t output;
};

// Applies one step: every score from the rows before the step, every gradient summed, each
// parameter moved by -lr times the loss's gradient (CBOW: each context row by the gradient of
// the mean). Returns the loss before the step.
inline double reference_step(RefMatrices& m, const std::vector<RefPair>& pairs, const std::vector<uint32_t>& samples,
                             double lr, const RefLoss& L) {
  const uint32_t d = m.dim;
  RefMatrices before = m;
  double loss = 0;
  for (const RefPair& p : pairs) {
    std::vector<double> u(d, 0.0);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) u[i] += before.in_row(w)[i] / double(p.inputs.size());
    auto score = [&](uint32_t o) {
      double s = before.bias.empty() ? 0.0 : before.bias[o];
      for (uint32_t i = 0; i < d; ++i) s += u[i] * before.out_row(o)[i];
      return s;
    };
    std::vector<double> s;
    for (uint32_t n : samples) s.push_back(score(n));
    const RefPairLoss r = ref_pair_loss(L, p.output, score(p.output), samples, s);
    loss += r.loss;
    std::vector<double> du(d, 0.0);
    auto apply = [&](uint32_t w, double grad) {
      const double e = -lr * grad;
      for (uint32_t i = 0; i < d; ++i) {
        du[i] += e * before.out_row(w)[i];
        m.out_row(w)[i] += e * u[i];
      }
      if (!m.bias.empty()) m.bias[w] += e;
    };
    apply(p.output, r.d_pos);
    for (size_t j = 0; j < samples.size(); ++j) apply(samples[j], r.d_neg[j]);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) m.in_row(w)[i] += du[i];
  }
  return loss;
}

// The loss of the pairs at the current rows (for finite differences).
inline double reference_loss(RefMatrices& m, const std::vector<RefPair>& pairs, const std::vector<uint32_t>& samples,
                             const RefLoss& L) {
  RefMatrices copy = m;
  return reference_step(copy, pairs, samples, 0.0, L);
}

}  // namespace gemmvec::test
