// gemmvec: the token file's on-disk format: a 64-byte header, then uint32 ids, little-endian.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "data/vocab.h"

namespace gemmvec {

constexpr char kTokenMagic[8] = {'G', 'V', 'T', 'O', 'K', 'E', 'N', 'S'};
constexpr uint32_t kTokenVersion = 1;
constexpr size_t kTokenHeaderBytes = 64;

// The file header; tokens (uint32, little-endian) follow it.
struct TokenHeader {
  char magic[8];
  uint32_t version;
  uint32_t reserved0;
  uint64_t tokens;      // including sentence breaks
  uint64_t words;       // in-vocab words
  uint64_t raw_words;   // every corpus token
  uint32_t vocab_size;
  uint32_t reserved1;
  uint64_t vocab_hash;  // vocab_hash() of the vocab the ids refer to
  uint64_t reserved2;
};
static_assert(sizeof(TokenHeader) == kTokenHeaderBytes, "token cache header must be 64 bytes");

// FNV-1a over bytes, strings (length first) and integers: the vocab hash here, and the cache
// keys, which must come out the same on every run.
struct Fnv {
  uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 0x100000001b3ull;
    }
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void u64(uint64_t v) { bytes(&v, sizeof(v)); }
};

// Every word and count, so a token file is never read with a vocab other than its own.
uint64_t vocab_hash(const Vocab& vocab);

TokenHeader make_token_header(uint64_t tokens, uint64_t words, uint64_t raw_words, const Vocab& vocab);

// Reads only the header of a token file; throws InputError if it is not one.
TokenHeader read_token_header(const std::string& path);

}  // namespace gemmvec
