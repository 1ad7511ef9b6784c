// gemmvec tests: a tiny, fast run through the binary (dim 8, one epoch, one thread, on the CPU;
// outputs and caches in the test's folder) and the small corpus it trains on.
#pragma once
#include <string>

namespace gemmvec::test {

inline constexpr char kTinyRunConfig[] =
    "data: {corpus: [corpus.txt], cache_dir: cache}\n"
    "vocab: {min_count: 1}\n"
    "model: {dim: 8, window: 2, negative: 2}\n"
    "train: {epochs: 1, threads: 1, backend: cpu}\n"
    "output: {path: out.bin}\n";

// n sentences of six words from a ten-word vocabulary.
inline std::string sentences(int n) {
  static const char* const kWords[] = {"the", "cat", "sat", "on", "mat", "dog", "ran", "far", "a", "fox"};
  std::string out;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 6; ++j) out += std::string(j ? " " : "") + kWords[(i * 7 + j * 3) % 10];
    out += '\n';
  }
  return out;
}

}  // namespace gemmvec::test
