// gemmvec: the prepare pass's word-count table: word2vec.c's pruning and the spilled id maps.
#include "data/first_seen_table.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/atomic_file.h"
#include "data/token_writer.h"

namespace gemmvec {

FirstSeenTable::~FirstSeenTable() {
  if (maps_fd_ >= 0) {
    ::close(maps_fd_);
    ::unlink(maps_path_.c_str());
  }
}

void FirstSeenTable::prune() {
  uint64_t threshold = min_reduce_;  // ReduceVocab with min_reduce, min_reduce + 1, ... at once
  for (;;) {
    uint64_t left = 0;
    for (uint64_t c : counts_) left += c > threshold;
    if (left <= max_table_) break;
    ++threshold;
  }
  min_reduce_ = threshold + 1;
  WordIndex kept;
  std::vector<uint64_t> kept_counts;
  std::vector<uint32_t> map(index_.size(), Vocab::kMissing);  // (old ids): new id
  for (uint32_t id = 0; id < index_.size(); ++id) {
    if (counts_[id] <= threshold) continue;
    map[id] = kept.insert(index_.word(id));
    kept_counts.push_back(counts_[id]);
  }
  pruned_ += counts_.size() - kept_counts.size();
  index_ = std::move(kept);
  counts_ = std::move(kept_counts);
  spill(map);
}

std::unordered_map<std::string, uint64_t> FirstSeenTable::counts(uint64_t min_count) const {
  std::unordered_map<std::string, uint64_t> out;
  for (uint32_t id = 0; id < index_.size(); ++id)
    if (counts_[id] >= min_count) out.emplace(index_.word(id), counts_[id]);
  return out;
}

void FirstSeenTable::finish(const Vocab& vocab) {
  last_.assign(index_.size(), Vocab::kMissing);
  for (uint32_t id = 0; id < vocab.size(); ++id) last_[index_.find(vocab.word(id))] = id;
  index_ = WordIndex();
  counts_ = {};
  std::vector<uint32_t> later = last_, map;
  for (size_t g = map_sizes_.size(); g-- > 0;) {
    read_map(g, map);
    for (uint32_t& id : map)
      if (id != Vocab::kMissing) id = later[id];
    write_map(g, map);
    later.swap(map);
  }
}

const std::vector<uint32_t>& FirstSeenTable::map(size_t generation) {
  if (generation >= map_sizes_.size()) return last_;
  read_map(generation, current_);
  return current_;
}

void FirstSeenTable::spill(const std::vector<uint32_t>& map) {
  if (maps_fd_ < 0) {
    maps_fd_ = create_temporary(maps_name_, maps_path_);
    if (maps_fd_ < 0) fail_token_write(maps_path_, errno);
  }
  map_offsets_.push_back(map_offsets_.empty() ? 0 : map_offsets_.back() + map_sizes_.back() * 4);
  map_sizes_.push_back(map.size());
  write_map(map_sizes_.size() - 1, map);
}

void FirstSeenTable::write_map(size_t g, const std::vector<uint32_t>& map) {
  const size_t bytes = map.size() * sizeof(uint32_t);
  if (::pwrite(maps_fd_, map.data(), bytes, static_cast<off_t>(map_offsets_[g])) != static_cast<ssize_t>(bytes))
    fail_token_write(maps_path_, errno ? errno : ENOSPC);
}

void FirstSeenTable::read_map(size_t g, std::vector<uint32_t>& map) {
  map.resize(map_sizes_[g]);
  const size_t bytes = map.size() * sizeof(uint32_t);
  if (::pread(maps_fd_, map.data(), bytes, static_cast<off_t>(map_offsets_[g])) != static_cast<ssize_t>(bytes))
    fail_token_write(maps_path_, errno ? errno : EIO);
}

}  // namespace gemmvec
