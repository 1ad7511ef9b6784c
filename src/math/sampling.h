// gemmvec: the per-token draws every backend makes, written once for host and device, and the
// rates behind them: word2vec.c's subsampling and reduced window, and the learning rate.
//
// A token at corpus position p draws Philox(seed, kToken, epoch, p): .x decides whether it is
// kept, .y its reduced window (1..window), so every backend draws the same.
#pragma once
#include <cmath>
#include <cstdint>

#include "math/hostdevice.h"
#include "math/philox.h"

namespace gemmvec {

// Whether word w at position p is kept, given keep[w] (keep_probability below).
GV_HD bool keep_token(const Philox4& draw, float keep) { return to_unit(draw.x) < keep; }

// The reduced window of a kept center: 1..window, uniform.
GV_HD uint32_t window_span(const Philox4& draw, uint32_t window) { return window - draw.y % window; }

// The token draw of position p.
GV_HD Philox4 token_draw(uint64_t seed, uint32_t epoch, uint64_t p) {
  return philox(seed, Purpose::kToken, epoch, p);
}

// word2vec.c's subsampling: keep a word of count f with probability
// (sqrt(f / (t N)) + 1) * (t N) / f, capped at 1; t = 0 keeps everything.
inline float keep_probability(uint64_t count, uint64_t total, double sample) {
  if (sample <= 0 || count == 0) return 1.0f;
  const double tn = sample * static_cast<double>(total);
  const double p = (std::sqrt(static_cast<double>(count) / tn) + 1.0) * tn / static_cast<double>(count);
  return p >= 1.0 ? 1.0f : static_cast<float>(p);
}

// Learning rate after `done` of `total` words: linear from alpha to alpha * min_ratio.
inline float learning_rate(double alpha, double min_ratio, uint64_t done, uint64_t total) {
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 0.0;
  const double r = 1.0 - frac;
  return static_cast<float>(alpha * (r > min_ratio ? r : min_ratio));
}

}  // namespace gemmvec
