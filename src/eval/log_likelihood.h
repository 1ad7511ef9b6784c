// gemmvec: the held-out log-likelihood: the mean of log P(output word | input) over the pairs of
// held-out text under the model's output layer, with its perplexity and mean log normaliser.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "eval/score_tiles.h"
#include "gemmvec/evaluation.h"

namespace gemmvec {

// One prediction the model makes: the mean of the input rows predicts the output word.
struct HeldOutPair {
  std::vector<uint32_t> inputs;  // skip-gram: the center; CBOW: the context words
  uint32_t output = 0;           // skip-gram: one context word; CBOW: the center
};

struct HeldOutPairs {
  std::vector<HeldOutPair> pairs;  // the sample, at most max_pairs
  uint64_t seen = 0;               // pairs the text held
};

struct PairOptions {
  bool cbow = false;
  uint32_t window = 5;     // the full window on each side: no random reduction, no subsampling
  uint64_t max_pairs = 0;  // keep a uniform sample of at most this many (0: all)
  uint64_t seed = 1;       // of the sample
};

// Turns sentences of in-vocabulary ids into pairs, as training forms them but with the full
// window: skip-gram gives (center -> each context word), CBOW (context words -> center) for
// every position with a context. More pairs than max_pairs are sampled down uniformly
// (reservoir sampling, a Philox draw per pair keyed by the seed), so the sample depends only on
// the text, the options and the seed.
class HeldOutSampler {
 public:
  explicit HeldOutSampler(const PairOptions& options);
  void add_sentence(const uint32_t* ids, size_t n);
  HeldOutPairs take() { return std::move(out_); }

 private:
  HeldOutPair* place();  // where the next pair goes in the sample; null: it is not kept
  PairOptions opt_;
  HeldOutPairs out_;
};

// The output layer as the full softmax reads it: rows of scores s_w = u . weights_w (+ bias_w).
struct OutputLayer {
  const float* weights = nullptr;  // (rows, dim)
  const float* bias = nullptr;     // (rows), or null: no biases
  uint32_t rows = 0, dim = 0;
};

// log P(word | input vector) under a model's output layer. The full softmax over the vocabulary
// is one; a hierarchical softmax's path probability over its tree would be another.
class OutputScorer {
 public:
  virtual ~OutputScorer() = default;
  // For n inputs u (n, dim) and the word each predicts: log P(words[i] | u_i), and log Z_i, the
  // log of the sum the model's own probabilities needed to be normalised by (0 for a layer that
  // is normalised by construction).
  virtual void score(const float* u, size_t n, const uint32_t* words, double* log_p, double* log_z) const = 0;
};

// log P(o | u) = s_o - log Z, Z = sum_w exp(s_w): one GEMM per tile of output rows, the
// log-sum-exp accumulated in double across tiles.
class FullSoftmaxScorer final : public OutputScorer {
 public:
  explicit FullSoftmaxScorer(const OutputLayer& layer, size_t tile_rows = kScoreTileRows)
      : layer_(layer), tile_rows_(tile_rows) {}
  void score(const float* u, size_t n, const uint32_t* words, double* log_p, double* log_z) const override;

 private:
  OutputLayer layer_;
  size_t tile_rows_;
};

struct LogLikelihood {
  uint64_t pairs = 0;       // pairs scored
  uint64_t pairs_seen = 0;  // pairs the text held (more than `pairs` when sampled)
  double mean_log_p = 0;    // mean log P(output | input), in nats
  double mean_log_z = 0;    // mean log Z: 0 where the model's scores are self-normalised
  double perplexity() const { return std::exp(-mean_log_p); }
};

// Pairs per call of the scorer: a (256, tile rows) block of scores stays in cache.
inline constexpr size_t kPairBlock = 256;

// Scores every pair: its input vector is the mean of its rows of `in` (rows, dim); `block`
// pairs go to the scorer at once, `stop` polled before each block.
LogLikelihood log_likelihood(const HeldOutPairs& pairs, const float* in, uint32_t dim, const OutputScorer& scorer,
                             size_t block = kPairBlock, const StopCheck& stop = {});

}  // namespace gemmvec
