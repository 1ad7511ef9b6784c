// gemmvec: Vose's construction of the alias table for Q(w) ~ count(w)^exponent.
#include "train/alias_table.h"

#include <cmath>
#include <stdexcept>

namespace gemmvec {

AliasTable::AliasTable(const std::vector<uint64_t>& counts, double exponent) {
  const size_t n = counts.size();
  if (n == 0) throw std::invalid_argument("alias table of an empty vocabulary");
  std::vector<double> p(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += p[i] = std::pow(static_cast<double>(counts[i]), exponent);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    p[i] = p[i] * static_cast<double>(n) / sum;
    (p[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  prob_.assign(n, 1.0f);
  alias_.resize(n);
  for (size_t i = 0; i < n; ++i) alias_[i] = static_cast<uint32_t>(i);
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back(), l = large.back();
    small.pop_back();
    prob_[s] = static_cast<float>(p[s]);
    alias_[s] = l;
    p[l] -= 1.0 - p[s];
    if (p[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // Leftovers are 1 up to rounding.
}

double AliasTable::probability(uint32_t w) const {
  // A bucket is chosen with 1/n; it yields its own word with prob[i], else alias[i]. Draws
  // compare 24-bit uniforms against float prob, as AliasView::draw does.
  const double n = static_cast<double>(prob_.size());
  double p = prob_[w] / n;
  for (size_t i = 0; i < prob_.size(); ++i)
    if (alias_[i] == w && i != w) p += (1.0 - prob_[i]) / n;
  return p;
}

}  // namespace gemmvec
