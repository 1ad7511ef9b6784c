// gemmvec: the coefficients of one pair's row under each sampled output layer, written once for
// host and device (docs/losses.md).
//
// A pair (input u, true word o) is scored against its group's K shared samples n_1..n_K drawn
// from Q: s_w = u . v_w (+ b_w). The step then moves u by sum_w e_w v_w and each v_w (and b_w)
// by e_w u, with these coefficients e (lr folded in):
//   neg      e_o = lr (1 - sigmoid(s_o)),       e_j = -lr (k/K) sigmoid(s_j)
//   nce      the same on the logits x_w = s_w - log(k Q(w))  (TensorFlow's nce_loss, Z(c) = 1)
//   softmax  e_o = lr (1 - p_o),                e_j = -lr p_j, where p is the softmax over
//            {o, n_1..n_K} of l_o = s_o and l_j = s_j - log(K Q(n_j)): the samples are an
//            importance-sampled estimate of the rest of the partition function (Jean et al.
//            2015), so the gradient tends to the full softmax's as K grows
// With remove_hits, a sample equal to o is left out (its coefficient and loss are 0); for
// softmax that keeps o from being counted twice in the estimate.
#pragma once
#include <cmath>
#include <cstdint>

#include "math/hostdevice.h"
#include "math/negative_sampling.h"

namespace gemmvec {

enum class OutputLoss : uint32_t { kNeg = 0, kNce = 1, kSoftmax = 2, kHs = 3 };

struct LossWeights {
  float lr;                            // current learning rate
  float neg_weight;                    // k / K: each shared sample stands for k/K of word2vec's k
  OutputLoss loss = OutputLoss::kNeg;
  float log_k = 0;                     // nce: log k (the noise ratio); softmax: log K (samples per row)
  bool remove_hits = true;
};

// pos: the true word's score in, its coefficient out; neg[0..K): the samples' scores in, their
// coefficients out; log_q: log Q of every word (unused by neg). Returns the pair's loss when
// with_loss, else 0.
GV_HD float output_coefs(float& pos, float* neg, const uint32_t* samples, uint32_t o, uint32_t K,
                         const LossWeights& w, const float* log_q, bool with_loss) {
  const bool nce = w.loss == OutputLoss::kNce;
  if (w.loss != OutputLoss::kSoftmax) {
    const float x_o = nce ? pos - log_q[o] - w.log_k : pos;
    float loss = with_loss ? positive_loss(x_o) : 0.0f;
    pos = w.lr * (1.0f - sigmoid(x_o));
    for (uint32_t j = 0; j < K; ++j) {
      const bool hit = w.remove_hits && samples[j] == o;
      const float x = nce ? neg[j] - log_q[samples[j]] - w.log_k : neg[j];
      if (with_loss) loss += negative_loss(x, hit, w.neg_weight);
      neg[j] = hit ? 0.0f : -w.lr * w.neg_weight * sigmoid(x);
    }
    return loss;
  }
  // Softmax over the true word and the samples kept, stable: exp(l - max).
  const float x_o = pos;
  float top = x_o;
  for (uint32_t j = 0; j < K; ++j) {
    neg[j] -= log_q[samples[j]] + w.log_k;
    if (!(w.remove_hits && samples[j] == o) && neg[j] > top) top = neg[j];
  }
  float z = expf(x_o - top);
  for (uint32_t j = 0; j < K; ++j) {
    const bool hit = w.remove_hits && samples[j] == o;
    neg[j] = hit ? 0.0f : expf(neg[j] - top);
    z += neg[j];
  }
  const float inv = 1.0f / z;
  const float p_o = expf(x_o - top) * inv;
  pos = w.lr * (1.0f - p_o);
  for (uint32_t j = 0; j < K; ++j) neg[j] *= -w.lr * inv;
  return with_loss ? logf(z) + top - x_o : 0.0f;
}

}  // namespace gemmvec
