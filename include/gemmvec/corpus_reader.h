// gemmvec: streaming reader of text corpora (plain, .gz, .xz) into sentences of tokens.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gemmvec {

struct ReaderLimits {
  uint32_t max_sentence_length = 1000;  // longer lines are cut into sentences of this length
  uint32_t max_token_bytes = 100;       // longer tokens are cut at a UTF-8 character boundary
};

// What the reader changed or dropped, for the warning printed after reading.
struct ReaderStats {
  uint64_t lines = 0;
  uint64_t tokens = 0;
  uint64_t bytes = 0;
  uint64_t cut_tokens = 0;     // tokens longer than max_token_bytes
  uint64_t split_lines = 0;    // lines longer than max_sentence_length
  uint64_t nul_bytes = 0;      // treated as whitespace
};

// Called once per sentence (a line, or a piece of an over-long one) with its tokens. The views
// are valid only during the call.
using SentenceFn = std::function<void(const std::vector<std::string_view>& tokens)>;

// Streams every file in order; throws InputError naming the file on a missing, unreadable or
// corrupt (truncated .gz/.xz) input. Memory stays bounded whatever the line length.
ReaderStats read_corpus(const std::vector<std::string>& paths, const ReaderLimits& limits,
                        const SentenceFn& on_sentence);

}  // namespace gemmvec
