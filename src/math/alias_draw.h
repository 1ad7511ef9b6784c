// gemmvec: O(1) exact draws from an alias table, and a group's shared negatives, for host and
// device.
#pragma once
#include <cstdint>

#include "math/hostdevice.h"
#include "math/philox.h"

namespace gemmvec {

// A non-owning view usable on host and device: draw(r0, r1) maps two random words to a word id.
struct AliasView {
  const float* prob;      // (n) acceptance probability of bucket i
  const uint32_t* alias;  // (n) the other word of bucket i
  uint32_t n;

  GV_HD uint32_t draw(uint32_t r0, uint32_t r1) const {
    const uint32_t i = to_range(r0, n);
    return to_unit(r1) < prob[i] ? i : alias[i];
  }
};

// The negatives of one group: K draws from Philox(seed, kNegative, epoch, group, j / 2).
GV_HD uint32_t draw_negative(const AliasView& q, uint64_t seed, uint32_t epoch, uint64_t group,
                             uint32_t j) {
  const Philox4 r = philox(seed, Purpose::kNegative, epoch, group, j / 2);
  return (j & 1) ? q.draw(r.z, r.w) : q.draw(r.x, r.y);
}

}  // namespace gemmvec
