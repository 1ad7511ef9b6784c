// gemmvec: the vocabulary: words sorted by count, their ids, and the word-count file format.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace gemmvec {

class Vocab {
 public:
  Vocab() = default;
  // Words with count >= min_count, sorted by count (descending; ties by word bytes), capped at
  // max_size when it is non-zero.
  static Vocab from_counts(std::unordered_map<std::string, uint64_t> counts, uint64_t min_count,
                           uint64_t max_size);

  uint32_t size() const { return static_cast<uint32_t>(words_.size()); }
  const std::string& word(uint32_t id) const { return words_[id]; }
  uint64_t count(uint32_t id) const { return counts_[id]; }
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<uint64_t>& counts() const { return counts_; }
  uint64_t total() const { return total_; }  // sum of counts
  // The id of a word, or kMissing.
  uint32_t find(std::string_view word) const;
  static constexpr uint32_t kMissing = 0xFFFFFFFFu;

  // word2vec.c's vocab file: one "word count" line per word, in id order. Written atomically.
  void save(const std::string& path) const;
  // Throws InputError naming the file and line, ending with `fix` (what the user should do).
  static Vocab load(const std::string& path, const std::string& fix = "check vocab.read");

 private:
  void index();
  std::vector<std::string> words_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  std::unordered_map<std::string, uint32_t> ids_;
};

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
  uint32_t add(std::string_view word, const Key& key, size_t slot);
  void rehash(size_t slots);
  std::vector<Slot> slots_;
  std::vector<std::string> words_;
  size_t mask_ = 0;
};

// Counts every token of the corpus (bounded memory: prunes rare words as word2vec.c does if
// the table grows past max_table entries, and reports it).
std::unordered_map<std::string, uint64_t> count_words(const std::vector<std::string>& paths,
                                                      uint32_t max_sentence_length,
                                                      uint32_t max_token_bytes,
                                                      uint64_t max_table = 30'000'000);

}  // namespace gemmvec
