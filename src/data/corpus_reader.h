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
  uint64_t carriage_returns = 0;     // '\r' (CRLF line ends): treated as whitespace
  uint64_t invalid_utf8_tokens = 0;  // tokens (as kept, after any cut) that are not valid UTF-8
};

// What the reader changed or found, as one line for a warning ("3 NUL bytes read as spaces,
// 1 token longer than 100 bytes cut"); "" when the input was read as it is.
std::string describe_changes(const ReaderStats& stats, const ReaderLimits& limits);
// Prints "gemmvec: warning: corpus read with changes: ..." to stderr when there were any.
void warn_changes(const ReaderStats& stats, const ReaderLimits& limits);

// Called once per sentence (a line, or a piece of an over-long one) with its tokens. The views
// are valid only during the call.
using SentenceFn = std::function<void(const std::vector<std::string_view>& tokens)>;

// Streams every file in order; throws InputError naming the file on a missing, unreadable or
// corrupt (truncated .gz/.xz) input. Memory stays bounded whatever the line length. A FIFO
// works too (plain text or .xz; a piped gzip stream is refused with the fix).
ReaderStats read_corpus(const std::vector<std::string>& paths, const ReaderLimits& limits,
                        const SentenceFn& on_sentence);

}  // namespace gemmvec
