// gemmvec: the token cache: the corpus as uint32 word ids with sentence breaks, parsed once
// and memory-mapped on every later run.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gemmvec/config.h"
#include "data/vocab.h"

namespace gemmvec {

// Marks the end of a sentence in the token stream; windows never cross it.
constexpr uint32_t kSentenceBreak = 0xFFFFFFFFu;

// A read-only, memory-mapped token file: a header (magic, version, counts) then tokens.
class TokenCache {
 public:
  TokenCache() = default;
  ~TokenCache();
  TokenCache(TokenCache&&) noexcept;
  TokenCache& operator=(TokenCache&&) noexcept;
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Encodes the corpus with the vocab into path (temporary file, then rename). Words not in
  // the vocab are dropped, as word2vec.c drops them; every sentence ends with kSentenceBreak.
  static void build(const std::vector<std::string>& corpus, const Vocab& vocab,
                    const DataConfig& data, const std::string& path);
  // Maps an existing file; throws InputError if it is truncated or corrupt, ending with `fix`.
  static TokenCache open(const std::string& path, const std::string& fix = "delete it to rebuild");

  const uint32_t* data() const { return tokens_; }
  size_t size() const { return size_; }       // tokens including breaks
  uint64_t words() const { return words_; }    // in-vocab words (no breaks)
  uint64_t raw_words() const { return raw_words_; }  // every corpus token, OOV included

  // Drops the whole pages inside tokens [begin, end) from this process's resident set (they
  // stay in the page cache; a later read maps them back), so an epoch's memory stays flat
  // however long the corpus: call it on ranges a pass has consumed. Contents never change.
  // Returns where the released pages end (begin if none): pass it as the next call's begin.
  size_t release(size_t begin, size_t end) const;

 private:
  void* map_ = nullptr;
  size_t map_bytes_ = 0;
  const uint32_t* tokens_ = nullptr;
  size_t size_ = 0;
  uint64_t words_ = 0;
  uint64_t raw_words_ = 0;
};

}  // namespace gemmvec
