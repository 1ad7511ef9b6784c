// gemmvec: WordIndex, the hash table the corpus passes look every token up in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "data/vocab.h"

namespace gemmvec {

// A fast word -> dense id table for the corpus passes (counting, encoding): open addressing,
// lookups by string_view that allocate nothing. Ids are 0, 1, 2... in insertion order.
class WordIndex {
 public:
  WordIndex() { rehash(1u << 12); }
  explicit WordIndex(const Vocab& vocab);  // ids are the vocab's ids
  uint32_t find(std::string_view word) const;  // the id, or Vocab::kMissing
  uint32_t insert(std::string_view word);      // the id, adding the word (id size()) if new
  // The same for n words at once, faster: the table is fetched for several words in parallel.
  void find(const std::string_view* words, size_t n, uint32_t* ids) const;
  void insert(const std::string_view* words, size_t n, uint32_t* ids);
  uint32_t size() const { return static_cast<uint32_t>(words_.size()); }
  const std::string& word(uint32_t id) const { return words_[id]; }

 private:
  struct Slot {
    uint64_t head[2];  // the word's first 16 bytes, zero padded
    uint32_t tag;      // length (up to 255) << 24 | 24 bits of the hash
    uint32_t id1;      // id + 1; 0: empty
  };
  struct Key;
  size_t probe(std::string_view word, const Key& key) const;  // its slot, or the empty one
  template <class Fn>  // fn(i, key of words[i]) for each word, the slots prefetched
  void batched(const std::string_view* words, size_t n, Fn&& fn) const;
  uint32_t add(std::string_view word, const Key& key, size_t slot);
  void rehash(size_t slots);
  std::vector<Slot> slots_;
  std::vector<std::string> words_;
  size_t mask_ = 0;
};

}  // namespace gemmvec
