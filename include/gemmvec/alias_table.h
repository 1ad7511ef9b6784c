// gemmvec: Walker/Vose alias table for O(1) exact draws from the noise distribution Q.
#pragma once
#include <cstdint>
#include <vector>

#include "gemmvec/hostdevice.h"
#include "gemmvec/philox.h"

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

// Owns the table for Q(w) proportional to count(w)^exponent.
class AliasTable {
 public:
  AliasTable() = default;
  AliasTable(const std::vector<uint64_t>& counts, double exponent);
  AliasView view() const { return {prob_.data(), alias_.data(), static_cast<uint32_t>(prob_.size())}; }
  const std::vector<float>& prob() const { return prob_; }
  const std::vector<uint32_t>& alias() const { return alias_; }
  // The exact probability the table assigns to word w (for tests).
  double probability(uint32_t w) const;

 private:
  std::vector<float> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace gemmvec
