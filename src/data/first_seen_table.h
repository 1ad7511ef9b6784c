// gemmvec: the prepare pass's word-count table: provisional ids in first-seen order, pruned as
// word2vec.c prunes, with each prune's id map spilled to a side file for the renumbering.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "data/vocab.h"
#include "data/word_index.h"

namespace gemmvec {

// Word -> provisional id (dense, first-seen order since the last prune) and counts. Past
// max_table words it drops the rarest as word2vec.c's ReduceVocab does (counts <= min_reduce,
// min_reduce rising by one each time) and renumbers the survivors; the old -> new id map of
// each prune is spilled to a side file, so memory is the table's alone.
class FirstSeenTable {
 public:
  // The spilled maps go to a temporary named after `maps_name`, removed with the table.
  FirstSeenTable(uint64_t max_table, std::string maps_name)
      : max_table_(max_table), maps_name_(std::move(maps_name)) {}
  ~FirstSeenTable();
  FirstSeenTable(const FirstSeenTable&) = delete;
  FirstSeenTable& operator=(const FirstSeenTable&) = delete;

  // Provisional ids of the sentence's words, counted.
  const std::vector<uint32_t>& add(const std::vector<std::string_view>& words) {
    ids_.resize(words.size());
    index_.insert(words.data(), words.size(), ids_.data());
    for (uint32_t i : ids_) {
      if (i == counts_.size()) counts_.push_back(1);
      else ++counts_[i];
    }
    return ids_;
  }
  bool full() const { return max_table_ > 0 && index_.size() > max_table_; }

  // Prunes until at most max_table words are left; the caller writes kPruneMark after it.
  void prune();

  uint64_t pruned() const { return pruned_; }
  uint64_t min_reduce() const { return min_reduce_; }
  size_t prunes() const { return map_sizes_.size(); }
  // The words still counted, with counts >= min_count (the only ones a vocab can take).
  std::unordered_map<std::string, uint64_t> counts(uint64_t min_count) const;

  // Turns the table into the renumbering's maps: map(g) takes generation g's provisional ids
  // to vocab ids. Composes the spilled maps backwards (each with the one after it), in place.
  void finish(const Vocab& vocab);
  const std::vector<uint32_t>& map(size_t generation);

 private:
  void spill(const std::vector<uint32_t>& map);
  void write_map(size_t g, const std::vector<uint32_t>& map);
  void read_map(size_t g, std::vector<uint32_t>& map);

  uint64_t max_table_;
  std::string maps_name_, maps_path_;
  int maps_fd_ = -1;
  WordIndex index_;
  std::vector<uint64_t> counts_;  // (words): by provisional id
  std::vector<uint32_t> ids_;     // (sentence): scratch
  uint64_t min_reduce_ = 1, pruned_ = 0;
  std::vector<uint64_t> map_offsets_, map_sizes_;  // (prunes): spilled maps in maps_path_
  std::vector<uint32_t> last_, current_;          // the last generation's map; the one in use
};

}  // namespace gemmvec
