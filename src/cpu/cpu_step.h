// gemmvec: one sampled-output step of a group on the CPU: the pairs of a few centers
// sharing K samples (negatives), computed from the current rows and applied as a scatter-add.
#pragma once
#include <cstdint>
#include <vector>

#include "gemmvec/embeddings.h"
#include "math/output_loss.h"

namespace gemmvec {

// The pairs of one group. Pair p reads the input rows inputs[input_begin[p] .. input_begin[p+1])
// (one row for skip-gram; the context rows, averaged, for CBOW) and predicts outs[out_of[p]];
// every pair also scores the K shared negatives.
struct GroupPairs {
  std::vector<uint32_t> inputs;
  std::vector<uint32_t> input_begin{0};  // (pairs + 1)
  std::vector<uint32_t> out_of;          // (pairs) index into outs
  std::vector<uint32_t> outs;            // distinct output words (centers) of the group
  std::vector<uint32_t> negatives;       // (K)

  uint32_t pairs() const { return static_cast<uint32_t>(out_of.size()); }
  void clear() {
    inputs.clear();
    input_begin.assign(1, 0);
    out_of.clear();
    outs.clear();
  }
};

// Grows a scratch buffer to at least n elements; never shrinks it (buffers are reused).
template <class T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// Per-thread scratch buffers, sized on first use.
struct StepScratch {
  std::vector<float> mean;     // (pairs, dim) CBOW input means
  std::vector<float> d_in;     // (pairs, dim) input gradients
  std::vector<float> scores;   // (pairs, 1 + K) scores, then coefficients E
  std::vector<float> coef;     // (pairs) one column of E
  std::vector<const float*> in_vec;  // (pairs) the input vector of each pair
  std::vector<const float*> gather;  // (pairs) the input vectors of one output
  std::vector<float*> rows;          // (1 + K) the output rows of one pair
};

// Applies the group's update to `m` at weights `w` (the output layer of w.loss: neg, nce or
// softmax; log_q is log Q per word, read by nce and softmax); biases too when m.out_bias is
// set. Returns the group's loss when `with_loss`, else 0 (the loss costs a log per score, so
// callers sample it).
double cpu_group_step(Embeddings& m, const GroupPairs& group, const LossWeights& w, const float* log_q,
                      StepScratch& scratch, bool with_loss);

}  // namespace gemmvec
