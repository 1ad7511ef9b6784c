// gemmvec: the one parser of numbers written as text (config values, flags, bench keys).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace gemmvec {

// A non-negative integer: digits, or a whole number in floating notation ("1e6"); nullopt for
// anything else, a whole number in floating notation above `hi`, or one that does not fit 64
// bits (plain digits are bounded by the caller).
std::optional<uint64_t> parse_unsigned(const std::string& text, double hi = 1.8e19);

// A finite number, the whole text; nullopt otherwise.
std::optional<double> parse_double(const std::string& text);

}  // namespace gemmvec
