// gemmvec: numbers from text.
#include "base/parse_number.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace gemmvec {

std::optional<uint64_t> parse_unsigned(const std::string& text, double hi) {
  if (text.empty()) return std::nullopt;
  const bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    errno = 0;
    const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    return v;
  }
  // "1e6" for a count is fine when it is a whole number.
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(d) || d < 0 || d != std::floor(d) ||
      d > hi || d > 1.8e19)
    return std::nullopt;
  return static_cast<uint64_t>(d);
}

std::optional<double> parse_double(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace gemmvec
