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

}  // namespace gemmvec
