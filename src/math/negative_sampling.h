// gemmvec: the sigmoid and the two-class (sigmoid) losses of negative sampling and NCE, written
// once for host and device. The coefficients of every output layer are math/output_loss.h.
#pragma once
#include <cmath>
#include <cstdint>

#include "math/hostdevice.h"

namespace gemmvec {

GV_HD float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(sigmoid(x)), stable for large |x|.
GV_HD float log_sigmoid(float x) { return x >= 0 ? -log1pf(expf(-x)) : x - log1pf(expf(x)); }

// The loss of one pair: -log sigmoid(x+) - (k/K) sum_j log sigmoid(-x_j), on the scores (neg)
// or the corrected logits (nce).
GV_HD float positive_loss(float x) { return -log_sigmoid(x); }
GV_HD float negative_loss(float x, bool hit, float neg_weight) {
  return hit ? 0.0f : -neg_weight * log_sigmoid(-x);
}

}  // namespace gemmvec
