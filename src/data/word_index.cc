// gemmvec: WordIndex, the open-addressing word -> id table of the corpus passes: hashing a
// word from its first 16 bytes, probing, and batched lookups that prefetch.
#include "data/word_index.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace gemmvec {
namespace {

inline uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bytes [0, min(n, 8)) of a word, little-endian, zero padded; never reads past p + n.
inline uint64_t load_head0(const char* p, size_t n) {
  if (n >= 8) return load8(p);
  if (n >= 4) {  // two overlapping 4-byte loads
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    return a | (uint64_t{b} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | (uint64_t{u[n / 2]} << (8 * (n / 2))) | (uint64_t{u[n - 1]} << (8 * (n - 1)));
}

// Bytes [8, min(n, 16)), zero padded.
inline uint64_t load_head1(const char* p, size_t n) {
  if (n <= 8) return 0;
  if (n >= 16) return load8(p + 8);
  return load8(p + n - 8) >> (8 * (16 - n));  // the last 8 bytes overlap the first 8
}

inline uint64_t mix(uint64_t h) {
  h ^= h >> 32;
  h *= 0xD6E8FEB86659FD93ull;
  h ^= h >> 32;
  return h;
}

// A 64-bit hash of a word, given its first 16 bytes.
inline uint64_t hash_word(const char* p, size_t n, uint64_t head0, uint64_t head1) {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = (head0 ^ (n * 0x2545F4914F6CDD1Dull)) * kMul;
  if (n > 8) h = ((h ^ (h >> 29)) ^ head1) * kMul;
  if (n > 16) {
    for (size_t i = 16; i + 8 <= n; i += 8) h = ((h ^ (h >> 29)) ^ load8(p + i)) * kMul;
    h = ((h ^ (h >> 29)) ^ load8(p + n - 8)) * kMul;  // the last 8 bytes, overlapping
  }
  return mix(h);
}

inline uint32_t make_tag(size_t n, uint64_t h) {
  return static_cast<uint32_t>(std::min<size_t>(n, 255) << 24) | static_cast<uint32_t>(h >> 40);
}

}  // namespace

struct WordIndex::Key {
  uint64_t head0, head1;
  uint64_t hash;
  uint32_t tag;
  explicit Key(std::string_view w)
      : head0(load_head0(w.data(), w.size())),
        head1(load_head1(w.data(), w.size())),
        hash(hash_word(w.data(), w.size(), head0, head1)),
        tag(make_tag(w.size(), hash)) {}
  Key() = default;
};

WordIndex::WordIndex(const Vocab& vocab) {
  rehash(2 * size_t{vocab.size()} + 16);
  for (uint32_t i = 0; i < vocab.size(); ++i) insert(vocab.word(i));
}

size_t WordIndex::probe(std::string_view w, const Key& key) const {
  for (size_t i = key.hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id1 == 0) return i;
    // A word of up to 16 bytes is its head and length; longer ones are checked in full.
    if (s.head[0] == key.head0 && s.head[1] == key.head1 && s.tag == key.tag &&
        (w.size() <= 16 || words_[s.id1 - 1] == w))
      return i;
  }
}

uint32_t WordIndex::add(std::string_view w, const Key& key, size_t slot) {
  if (words_.size() >= Vocab::kMissing - 1)
    throw std::length_error("gemmvec: more than 4 billion distinct words");
  words_.emplace_back(w);
  slots_[slot] = Slot{{key.head0, key.head1}, key.tag, static_cast<uint32_t>(words_.size())};
  if (words_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  return static_cast<uint32_t>(words_.size() - 1);
}

uint32_t WordIndex::find(std::string_view w) const {
  return slots_[probe(w, Key(w))].id1 - 1;  // an empty slot gives kMissing
}

uint32_t WordIndex::insert(std::string_view w) {
  Key key(w);
  size_t slot = probe(w, key);
  if (slots_[slot].id1 != 0) return slots_[slot].id1 - 1;
  return add(w, key, slot);
}

// Batches hide the table's cache misses: hash a group of words and prefetch their slots, then
// hand each word and its key to fn while the memory arrives.
constexpr size_t kBatch = 16;

template <class Fn>
void WordIndex::batched(const std::string_view* words, size_t n, Fn&& fn) const {
  Key keys[kBatch];
  for (size_t at = 0; at < n; at += kBatch) {
    size_t m = std::min(kBatch, n - at);
    for (size_t j = 0; j < m; ++j) {
      keys[j] = Key(words[at + j]);
      __builtin_prefetch(&slots_[keys[j].hash & mask_]);
    }
    for (size_t j = 0; j < m; ++j) fn(at + j, keys[j]);
  }
}

void WordIndex::find(const std::string_view* words, size_t n, uint32_t* ids) const {
  batched(words, n, [&](size_t i, const Key& key) { ids[i] = slots_[probe(words[i], key)].id1 - 1; });
}

void WordIndex::insert(const std::string_view* words, size_t n, uint32_t* ids) {
  batched(words, n, [&](size_t i, const Key& key) {
    size_t slot = probe(words[i], key);
    ids[i] = slots_[slot].id1 != 0 ? slots_[slot].id1 - 1 : add(words[i], key, slot);
  });
}

void WordIndex::rehash(size_t n) {
  size_t pow2 = 16;
  while (pow2 < n || words_.size() * 2 > pow2) pow2 *= 2;
  slots_.assign(pow2, Slot{{0, 0}, 0, 0});
  mask_ = pow2 - 1;
  for (size_t k = 0; k < words_.size(); ++k) {
    Key key(words_[k]);
    size_t i = key.hash & mask_;
    while (slots_[i].id1 != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{{key.head0, key.head1}, key.tag, static_cast<uint32_t>(k + 1)};
  }
}

}  // namespace gemmvec
