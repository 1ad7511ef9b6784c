// gemmvec tests: a plain float64 reference of one group step (the math of docs/algorithm.md),
// written for clarity, not speed, and independently of the backends.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

namespace gemmvec::test {

struct RefMatrices {
  uint32_t rows = 0, dim = 0;
  std::vector<double> in, out;  // (rows, dim)
  double* in_row(uint32_t w) { return in.data() + size_t(w) * dim; }
  double* out_row(uint32_t w) { return out.data() + size_t(w) * dim; }
};

inline double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// One pair of the reference: the input rows it averages, its output word.
struct RefPair {
  std::vector<uint32_t> inputs;
  uint32_t output;
};

// Applies one step: every score from the rows before the step, every gradient summed.
// Returns the loss before the step.
inline double reference_step(RefMatrices& m, const std::vector<RefPair>& pairs,
                             const std::vector<uint32_t>& negatives, double lr, double neg_weight) {
  const uint32_t d = m.dim;
  RefMatrices before = m;
  double loss = 0;
  for (const RefPair& p : pairs) {
    std::vector<double> u(d, 0.0);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) u[i] += before.in_row(w)[i] / double(p.inputs.size());
    std::vector<double> du(d, 0.0);
    auto score = [&](uint32_t o) {
      double s = 0;
      for (uint32_t i = 0; i < d; ++i) s += u[i] * before.out_row(o)[i];
      return s;
    };
    const double sp = score(p.output);
    loss += -std::log(ref_sigmoid(sp));
    const double ep = lr * (1.0 - ref_sigmoid(sp));
    for (uint32_t i = 0; i < d; ++i) {
      du[i] += ep * before.out_row(p.output)[i];
      m.out_row(p.output)[i] += ep * u[i];
    }
    for (uint32_t n : negatives) {
      if (n == p.output) continue;
      const double sn = score(n);
      loss += -neg_weight * std::log(ref_sigmoid(-sn));
      const double en = -lr * neg_weight * ref_sigmoid(sn);
      for (uint32_t i = 0; i < d; ++i) {
        du[i] += en * before.out_row(n)[i];
        m.out_row(n)[i] += en * u[i];
      }
    }
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) m.in_row(w)[i] += du[i];
  }
  return loss;
}

// The loss of the pairs at the current rows (for finite differences).
inline double reference_loss(RefMatrices& m, const std::vector<RefPair>& pairs,
                             const std::vector<uint32_t>& negatives, double neg_weight) {
  RefMatrices copy = m;
  return reference_step(copy, pairs, negatives, 0.0, neg_weight);
}

}  // namespace gemmvec::test
