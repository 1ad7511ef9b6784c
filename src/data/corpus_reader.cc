// gemmvec: the corpus reader's tokenizer: decoded bytes split into sentences of
// whitespace-separated tokens, in bounded memory whatever the line length.
#include "data/corpus_reader.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "base/stderr_lines.h"
#include "data/byte_source.h"

namespace gemmvec {
namespace {

// Byte classes for the tokenizer.
enum : uint8_t { kToken = 0, kSpace = 1, kNewline = 2, kNul = 3, kCr = 4 };

struct ClassTable {
  std::array<uint8_t, 256> c{};
  ClassTable() {
    for (unsigned char ch : {' ', '\t', '\v', '\f'}) c[ch] = kSpace;
    c['\r'] = kCr;  // a space too, counted: CRLF line ends
    c['\n'] = kNewline;
    c[0] = kNul;
  }
};
const ClassTable kClasses;

inline bool continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Whether p[0, n) is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool valid_utf8(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n;) {
    uint32_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if (!continuation(p[i + k])) return false;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Length of the prefix of a token of len > max bytes that ends on a UTF-8 character boundary.
// p must hold at least min(len, max + 4) bytes. Invalid UTF-8 is cut at max.
size_t utf8_cut(const unsigned char* p, size_t len, size_t max) {
  size_t k = max;
  while (k > 0 && k + 3 > max && continuation(p[k])) --k;
  if (continuation(p[k])) return max;  // not UTF-8: no boundary within a character's length
  if (k > 0) return k;
  // The first character alone is longer than max (max < 4): keep that one character whole.
  k = 1;
  while (k < len && k < 4 && continuation(p[k])) ++k;
  return k;
}

// Splits decoded bytes into sentences. Tokens are views into the current chunk; tokens of a
// sentence still open when the chunk ends are copied to a small arena first, so the chunk
// buffer can be reused. Memory: at most max_sentence_length * max_token_bytes.
class Tokenizer {
 public:
  Tokenizer(const ReaderLimits& limits, ReaderStats& stats, const SentenceFn& on_sentence)
      : max_len_(std::max<uint32_t>(1, limits.max_sentence_length)),
        max_bytes_(std::max<uint32_t>(1, limits.max_token_bytes)),
        stats_(stats),
        on_sentence_(on_sentence) {
    sentence_.reserve(std::min<uint32_t>(max_len_, 1u << 16));
    arena_.reserve(1u << 16);
  }

  void feed(const char* data, size_t n) {
    if (n == 0) return;
    stats_.bytes += n;
    last_byte_ = static_cast<unsigned char>(data[n - 1]);
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    const auto* e = s + n;
    const uint8_t* cls = kClasses.c.data();
    if (in_token_) {
      const unsigned char* q = s;
      while (q < e && cls[*q] == kToken) ++q;
      extend_partial(s, q);
      if (q == e) return;
      in_token_ = false;
      finish_partial();
      s = q;
    }
    while (true) {
      while (s < e) {
        uint8_t c = cls[*s];
        if (c == kToken) break;
        if (c == kNewline) end_line();
        else if (c == kNul) ++stats_.nul_bytes;
        else if (c == kCr) ++stats_.carriage_returns;
        ++s;
      }
      if (s == e) break;
      const unsigned char* t = s;
      unsigned char high = 0;  // any byte >= 0x80: the token needs a UTF-8 check
      while (s < e && cls[*s] == kToken) high |= *s++;
      if (s == e) {  // the token may go on in the next chunk
        partial_.clear();
        partial_len_ = 0;
        extend_partial(t, s);
        in_token_ = true;
        break;
      }
      size_t len = static_cast<size_t>(s - t);
      if (len > max_bytes_) {
        len = utf8_cut(t, len, max_bytes_);
        ++stats_.cut_tokens;
      }
      if ((high & 0x80) && !valid_utf8(t, len)) ++stats_.invalid_utf8_tokens;
      make_room();
      sentence_.emplace_back(reinterpret_cast<const char*>(t), len);
    }
  }

  // The chunk buffer is about to be reused: copy the open sentence's tokens out of it.
  void end_chunk() {
    size_t need = arena_.size();
    for (size_t i = spilled_; i < sentence_.size(); ++i) need += sentence_[i].size();
    reserve_arena(need);
    for (size_t i = spilled_; i < sentence_.size(); ++i) {
      size_t at = arena_.size();
      arena_.append(sentence_[i].data(), sentence_[i].size());
      sentence_[i] = std::string_view(arena_.data() + at, sentence_[i].size());
    }
    spilled_ = sentence_.size();
  }

  // End of a file: it ends the open token and sentence.
  void finish() {
    if (in_token_) {
      in_token_ = false;
      finish_partial();
    }
    if (!sentence_.empty()) {
      emit();
      if (line_split_) ++stats_.split_lines;
    }
    line_split_ = false;
    if (stats_.bytes > bytes_at_file_start_ && last_byte_ != '\n') ++stats_.lines;
    bytes_at_file_start_ = stats_.bytes;
  }

 private:
  void extend_partial(const unsigned char* from, const unsigned char* to) {
    size_t n = static_cast<size_t>(to - from);
    size_t keep = size_t{max_bytes_} + 4;  // enough to find the UTF-8 boundary at the cut
    if (partial_.size() < keep)
      partial_.append(reinterpret_cast<const char*>(from), std::min(n, keep - partial_.size()));
    partial_len_ += n;
  }

  void finish_partial() {
    size_t len = partial_len_;
    if (len > max_bytes_) {
      len = utf8_cut(reinterpret_cast<const unsigned char*>(partial_.data()), partial_.size(),
                     max_bytes_);
      ++stats_.cut_tokens;
    }
    if (!valid_utf8(reinterpret_cast<const unsigned char*>(partial_.data()), len)) ++stats_.invalid_utf8_tokens;
    make_room();
    // Every earlier token of the sentence is already in the arena (end_chunk ran).
    reserve_arena(arena_.size() + len);
    size_t at = arena_.size();
    arena_.append(partial_.data(), len);
    sentence_.emplace_back(arena_.data() + at, len);
    spilled_ = sentence_.size();
  }

  // Grows the arena, moving the views of the tokens already in it.
  void reserve_arena(size_t need) {
    if (need <= arena_.capacity()) return;
    std::string bigger;
    bigger.reserve(std::max(need, 2 * arena_.capacity()));
    bigger.append(arena_);
    const char* old = arena_.data();
    for (size_t i = 0; i < spilled_; ++i)
      sentence_[i] = std::string_view(bigger.data() + (sentence_[i].data() - old), sentence_[i].size());
    arena_.swap(bigger);
  }

  // An over-long line goes out in pieces of max_sentence_length tokens.
  void make_room() {
    if (sentence_.size() == max_len_) {
      emit();
      line_split_ = true;
    }
  }

  void end_line() {
    ++stats_.lines;
    if (!sentence_.empty()) emit();
    if (line_split_) ++stats_.split_lines;
    line_split_ = false;
  }

  void emit() {
    stats_.tokens += sentence_.size();
    on_sentence_(sentence_);
    sentence_.clear();
    arena_.clear();
    spilled_ = 0;
  }

  const uint32_t max_len_;
  const uint32_t max_bytes_;
  ReaderStats& stats_;
  const SentenceFn& on_sentence_;
  std::vector<std::string_view> sentence_;
  std::string arena_;       // bytes of sentence_[0, spilled_)
  size_t spilled_ = 0;
  std::string partial_;     // first bytes of a token that crosses chunks
  uint64_t partial_len_ = 0;
  bool in_token_ = false;
  bool line_split_ = false;
  unsigned char last_byte_ = '\n';
  uint64_t bytes_at_file_start_ = 0;
};

void read_file(const std::string& path, Tokenizer& tokenizer) {
  read_chunks(path, [&](const char* data, size_t n) {
    tokenizer.feed(data, n);
    tokenizer.end_chunk();
  });
  tokenizer.finish();
}

std::string counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string describe_changes(const ReaderStats& stats, const ReaderLimits& limits) {
  std::vector<std::string> parts;
  if (stats.carriage_returns)
    parts.push_back(counted(stats.carriage_returns, "carriage return", "carriage returns") + " (CRLF line ends) read as spaces");
  if (stats.nul_bytes) parts.push_back(counted(stats.nul_bytes, "NUL byte", "NUL bytes") + " read as spaces");
  if (stats.cut_tokens)
    parts.push_back(counted(stats.cut_tokens, "token", "tokens") + " longer than " +
                    std::to_string(limits.max_token_bytes) + " bytes cut (data.max_token_bytes)");
  if (stats.split_lines)
    parts.push_back(counted(stats.split_lines, "line", "lines") + " longer than " +
                    std::to_string(limits.max_sentence_length) + " tokens split (data.max_sentence_length)");
  if (stats.invalid_utf8_tokens)
    parts.push_back(counted(stats.invalid_utf8_tokens, "token", "tokens") + " not valid UTF-8 (kept as bytes)");
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void warn_changes(const ReaderStats& stats, const ReaderLimits& limits) {
  const std::string changes = describe_changes(stats, limits);
  if (!changes.empty()) print_message("gemmvec: warning: corpus read with changes: " + changes);
}

ReaderStats read_corpus(const std::vector<std::string>& paths, const ReaderLimits& limits,
                        const SentenceFn& on_sentence) {
  ReaderStats stats;
  Tokenizer tokenizer(limits, stats, on_sentence);
  for (const std::string& path : paths) read_file(path, tokenizer);
  return stats;
}

}  // namespace gemmvec
