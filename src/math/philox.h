// gemmvec: Philox4x32-10, the host twin of cuRAND's curand_Philox4x32_10, and the draws built on it.
//
// Every random decision is a pure function of (seed, epoch, position, purpose), so runs do
// not depend on thread count, batch boundaries or backend. The counter layout maps onto
// cuRAND's device API exactly: philox(seed, purpose, epoch, pos, index) equals the four
// outputs of curand_init(seed, /*subsequence=*/pos, /*offset=*/4 * ((uint64(epoch << 4 |
// purpose) << 32) | index)), i.e. counter = {index, epoch << 4 | purpose, pos_lo, pos_hi},
// key = {seed_lo, seed_hi}.
#pragma once
#include <cstdint>

#include "math/hostdevice.h"

namespace gemmvec {

struct Philox4 {
  uint32_t x, y, z, w;
};

GV_HD uint32_t mulhilo32(uint32_t a, uint32_t b, uint32_t* hi) {
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  return static_cast<uint32_t>(p);
}

// Ten rounds of Philox4x32 on counter c with key (k0, k1): the same constants and order as
// cuRAND's curand_philox4x32_x.h.
GV_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int r = 0; r < 10; ++r) {
    uint32_t hi0, hi1;
    const uint32_t lo0 = mulhilo32(kM0, c.x, &hi0);
    const uint32_t lo1 = mulhilo32(kM1, c.z, &hi1);
    c = Philox4{hi1 ^ c.y ^ k0, lo1, hi0 ^ c.w ^ k1, lo0};
    k0 += kW0;
    k1 += kW1;
  }
  return c;
}

// What a draw is for; part of the counter, so each purpose has its own stream.
enum class Purpose : uint32_t {
  kToken = 1,     // .x: subsampling keep test, .y: reduced window
  kNegative = 2,  // two words per negative: bucket and accept test of the alias table
  kInit = 3,      // initial input vectors
  kHeldOut = 4,   // the sample of held-out pairs scored by the log-likelihood (pos: pair number)
  kSynthetic = 5, // `prepare --zipf`: a synthetic corpus's words and sentence lengths (pos: chunk)
};

GV_HD Philox4 philox(uint64_t seed, Purpose purpose, uint32_t epoch, uint64_t pos,
                     uint32_t index = 0) {
  const Philox4 ctr{index, (epoch << 4) | static_cast<uint32_t>(purpose),
                    static_cast<uint32_t>(pos), static_cast<uint32_t>(pos >> 32)};
  return philox4x32_10(ctr, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Uniform float in [0, 1) from the top 24 bits of a word.
GV_HD float to_unit(uint32_t r) { return static_cast<float>(r >> 8) * (1.0f / 16777216.0f); }

// Uniform integer in [0, n) by multiply-high (no modulo bias worth speaking of for n << 2^32).
GV_HD uint32_t to_range(uint32_t r, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(r) * n) >> 32);
}

}  // namespace gemmvec
