// gemmvec: the Walker/Vose alias table for the noise distribution Q, built on the host (its
// draws: math/alias_draw.h).
#pragma once
#include <cstdint>
#include <vector>

#include "math/alias_draw.h"

namespace gemmvec {

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
