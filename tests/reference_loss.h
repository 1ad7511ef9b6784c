// gemmvec tests: the loss of one pair under each sampled output layer, and its gradient with
// respect to the scores, in float64, written from the losses themselves (docs/losses.md), not
// from the coefficient formulas the code uses.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "math/output_loss.h"

namespace gemmvec::test {

struct RefLoss {
  OutputLoss kind = OutputLoss::kNeg;
  double neg_weight = 1;       // k / K
  double log_k = 0;            // nce: log k; softmax: log K
  bool remove_hits = true;
  std::vector<double> log_q;   // (vocab) log Q(w), for nce and softmax
};

struct RefPairLoss {
  double loss = 0;
  double d_pos = 0;            // dloss / ds_o
  std::vector<double> d_neg;   // dloss / ds_j
};

inline double ref_sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
inline double ref_log_sigmoid(double x) { return x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x)); }

// s_o: the true word's score; s[j]: sample j's score (biases included).
inline RefPairLoss ref_pair_loss(const RefLoss& L, uint32_t o, double s_o, const std::vector<uint32_t>& samples,
                                 const std::vector<double>& s) {
  RefPairLoss r;
  r.d_neg.assign(samples.size(), 0.0);
  auto hit = [&](size_t j) { return L.remove_hits && samples[j] == o; };
  if (L.kind == OutputLoss::kSoftmax) {
    // -log softmax_o over {o} and the samples, samples' logits corrected by log(K Q).
    std::vector<double> l(samples.size());
    double top = s_o;
    for (size_t j = 0; j < samples.size(); ++j) {
      l[j] = s[j] - L.log_q[samples[j]] - L.log_k;
      if (!hit(j)) top = std::max(top, l[j]);
    }
    double z = std::exp(s_o - top);
    for (size_t j = 0; j < samples.size(); ++j)
      if (!hit(j)) z += std::exp(l[j] - top);
    r.loss = std::log(z) + top - s_o;
    r.d_pos = std::exp(s_o - top) / z - 1.0;
    for (size_t j = 0; j < samples.size(); ++j) r.d_neg[j] = hit(j) ? 0.0 : std::exp(l[j] - top) / z;
    return r;
  }
  // -log sigmoid(x_o) - (k/K) sum_j log sigmoid(-x_j), x the score less log(k Q) for nce.
  const bool nce = L.kind == OutputLoss::kNce;
  const double x_o = nce ? s_o - L.log_q[o] - L.log_k : s_o;
  r.loss = -ref_log_sigmoid(x_o);
  r.d_pos = -std::exp(ref_log_sigmoid(-x_o));  // -(1 - sigmoid(x_o))
  for (size_t j = 0; j < samples.size(); ++j) {
    if (hit(j)) continue;
    const double x = nce ? s[j] - L.log_q[samples[j]] - L.log_k : s[j];
    r.loss += -L.neg_weight * ref_log_sigmoid(-x);
    r.d_neg[j] = L.neg_weight * std::exp(ref_log_sigmoid(x));
  }
  return r;
}

}  // namespace gemmvec::test
