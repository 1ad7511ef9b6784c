// gemmvec: the per-element math of negative sampling with shared negatives, written once for
// host and device.
//
// A group's pairs (input u_i, output o) share K negatives n_1..n_K:
//   e+  = lr * (1 - sigmoid(u_i . v_o))
//   e_j = -lr * (k / K) * sigmoid(u_i . v_nj), 0 where n_j == o
//   du_i = e+ v_o + sum_j e_j v_nj;  dv_o += e+ u_i;  dv_nj += e_j u_i
#pragma once
#include <cmath>
#include <cstdint>

#include "math/hostdevice.h"

namespace gemmvec {

GV_HD float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(sigmoid(x)), stable for large |x|.
GV_HD float log_sigmoid(float x) { return x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x)); }

struct NegativeWeights {
  float lr;          // current learning rate
  float neg_weight;  // k / K
};

GV_HD float positive_coef(float score, const NegativeWeights& w) {
  return w.lr * (1.0f - sigmoid(score));
}

GV_HD float negative_coef(float score, bool collides, const NegativeWeights& w) {
  return collides ? 0.0f : -w.lr * w.neg_weight * sigmoid(score);
}

// The loss of one pair: -log sigmoid(s+) - (k/K) sum_j log sigmoid(-s_j).
GV_HD float positive_loss(float score) { return -log_sigmoid(score); }
GV_HD float negative_loss(float score, bool collides, float neg_weight) {
  return collides ? 0.0f : -neg_weight * log_sigmoid(-score);
}

}  // namespace gemmvec
