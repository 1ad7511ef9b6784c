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

// neg and nce score each word on its own (softmax couples them): a word's logit, its
// coefficient as the true word or as a sample, and the loss of each. s: the score in, the
// coefficient out; returns the loss when with_loss, else 0.
GV_HD float separable_logit(float s, uint32_t word, const LossWeights& w, const float* log_q) {
  return w.loss == OutputLoss::kNce ? s - log_q[word] - w.log_k : s;
}
GV_HD float positive_coef(float& s, uint32_t o, const LossWeights& w, const float* log_q, bool with_loss) {
  const float x = separable_logit(s, o, w, log_q);
  s = w.lr * (1.0f - sigmoid(x));
  return with_loss ? positive_loss(x) : 0.0f;
}
GV_HD float sample_coef(float& s, uint32_t sample, bool hit, const LossWeights& w, const float* log_q,
                        bool with_loss) {
  const float x = separable_logit(s, sample, w, log_q);
  s = hit ? 0.0f : -w.lr * w.neg_weight * sigmoid(x);
  return with_loss ? negative_loss(x, hit, w.neg_weight) : 0.0f;
}

// pos: the true word's score in, its coefficient out; neg[0..K): the samples' scores in, their
// coefficients out; log_q: log Q of every word (unused by neg). Returns the pair's loss when
// with_loss, else 0.
GV_HD float output_coefs(float& pos, float* neg, const uint32_t* samples, uint32_t o, uint32_t K,
                         const LossWeights& w, const float* log_q, bool with_loss) {
  if (w.loss != OutputLoss::kSoftmax) {
    float loss = positive_coef(pos, o, w, log_q, with_loss);
    for (uint32_t j = 0; j < K; ++j)
      loss += sample_coef(neg[j], samples[j], w.remove_hits && samples[j] == o, w, log_q, with_loss);
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
