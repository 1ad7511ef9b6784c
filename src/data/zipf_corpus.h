// gemmvec: a synthetic Zipf-distributed corpus, written as `gemmvec prepare` writes a real one
// (PREFIX.vocab, PREFIX.tokens): throughput and memory at corpus sizes no text at hand has.
#pragma once
#include <cstdint>
#include <string>

#include "gemmvec/config.h"

namespace gemmvec {

// `gemmvec prepare --zipf TOKENS:VOCAB[:EXPONENT] [--seed N] [--threads N]`.
struct ZipfSpec {
  uint64_t tokens = 0;    // corpus words drawn (the token file's raw_words)
  uint32_t vocab = 0;     // ranks drawn from: rank i is the word "w" + i in 7 digits (w0000000)
  double exponent = 1.0;  // P(rank i) proportional to 1 / (i + 1)^exponent
  uint64_t seed = 1;
  uint32_t threads = 0;   // 0: every hardware thread; the bytes written do not depend on it
};

// Draws spec.tokens words in sentences of 10 to 30 (uniform; the last one of every 65,536 words
// cut short), each word a pure function of (seed, position), and writes PREFIX.vocab and
// PREFIX.tokens byte for byte as `gemmvec prepare` writes them for that text: the vocab holds the
// drawn counts, so words drawn fewer than vocab.min_count times (or past vocab.max_size) are left
// out of both, as prepare leaves them out, and a note says how many. Memory is the vocab's, never
// the corpus's: the words are drawn twice, once to count and once to write.
void write_zipf_corpus(const ZipfSpec& spec, const Config& config, const std::string& prefix);

}  // namespace gemmvec
