// gemmvec: the vocabulary: counting a corpus's words, sorting and capping them, and
// word2vec.c's "word count" file.
#include "data/vocab.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "gemmvec/config.h"
#include "data/corpus_reader.h"

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
// probe them while the memory arrives.
constexpr size_t kBatch = 16;

void WordIndex::find(const std::string_view* words, size_t n, uint32_t* ids) const {
  Key keys[kBatch];
  for (size_t at = 0; at < n; at += kBatch) {
    size_t m = std::min(kBatch, n - at);
    for (size_t j = 0; j < m; ++j) {
      keys[j] = Key(words[at + j]);
      __builtin_prefetch(&slots_[keys[j].hash & mask_]);
    }
    for (size_t j = 0; j < m; ++j) ids[at + j] = slots_[probe(words[at + j], keys[j])].id1 - 1;
  }
}

void WordIndex::insert(const std::string_view* words, size_t n, uint32_t* ids) {
  Key keys[kBatch];
  for (size_t at = 0; at < n; at += kBatch) {
    size_t m = std::min(kBatch, n - at);
    for (size_t j = 0; j < m; ++j) {
      keys[j] = Key(words[at + j]);
      __builtin_prefetch(&slots_[keys[j].hash & mask_]);
    }
    for (size_t j = 0; j < m; ++j) {
      size_t slot = probe(words[at + j], keys[j]);
      ids[at + j] = slots_[slot].id1 != 0 ? slots_[slot].id1 - 1 : add(words[at + j], keys[j], slot);
    }
  }
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

namespace {

// Word -> count for count_words: a WordIndex plus counts by id, with word2vec.c's pruning.
class CountTable {
 public:
  void add(const std::vector<std::string_view>& words) {
    ids_.resize(words.size());
    index_.insert(words.data(), words.size(), ids_.data());
    for (uint32_t id : ids_) {
      if (id == counts_.size()) counts_.push_back(1);
      else ++counts_[id];
    }
  }
  size_t size() const { return counts_.size(); }

  // word2vec.c's ReduceVocab: drops the words counted at most min_reduce times.
  uint64_t prune(uint64_t min_reduce) {
    WordIndex kept;
    std::vector<uint64_t> kept_counts;
    for (uint32_t id = 0; id < index_.size(); ++id) {
      if (counts_[id] <= min_reduce) continue;
      kept.insert(index_.word(id));
      kept_counts.push_back(counts_[id]);
    }
    uint64_t dropped = counts_.size() - kept_counts.size();
    index_ = std::move(kept);
    counts_ = std::move(kept_counts);
    return dropped;
  }

  std::unordered_map<std::string, uint64_t> take() {
    std::unordered_map<std::string, uint64_t> out;
    out.reserve(counts_.size());
    for (uint32_t id = 0; id < index_.size(); ++id) out.emplace(index_.word(id), counts_[id]);
    index_ = WordIndex();
    counts_.clear();
    return out;
  }

 private:
  WordIndex index_;
  std::vector<uint64_t> counts_;  // (words): by id
  std::vector<uint32_t> ids_;     // (sentence): scratch
};

}  // namespace

Vocab Vocab::from_counts(std::unordered_map<std::string, uint64_t> counts, uint64_t min_count,
                         uint64_t max_size) {
  std::vector<std::pair<std::string, uint64_t>> kept;
  kept.reserve(counts.size());
  for (auto& [word, count] : counts)
    if (count >= min_count && count > 0) kept.emplace_back(word, count);
  counts.clear();
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (max_size > 0 && kept.size() > max_size) kept.resize(max_size);
  Vocab v;
  v.words_.reserve(kept.size());
  v.counts_.reserve(kept.size());
  for (auto& [word, count] : kept) {
    v.words_.push_back(std::move(word));
    v.counts_.push_back(count);
  }
  v.index();
  return v;
}

void Vocab::index() {
  ids_.clear();
  ids_.reserve(words_.size());
  total_ = 0;
  for (uint32_t i = 0; i < words_.size(); ++i) {
    ids_.emplace(words_[i], i);
    total_ += counts_[i];
  }
}

uint32_t Vocab::find(std::string_view word) const {
  thread_local std::string key;  // reused: no allocation per lookup
  key.assign(word.data(), word.size());
  auto it = ids_.find(key);
  return it == ids_.end() ? kMissing : it->second;
}

void Vocab::save(const std::string& path) const {
  AtomicWriter out(path);  // a full disk is a ResourceError, and no PATH.tmp is left behind
  std::string buf;
  buf.reserve(1u << 20);
  for (size_t i = 0; i < words_.size(); ++i) {
    buf.append(words_[i]);
    buf.push_back(' ');
    buf.append(std::to_string(counts_[i]));
    buf.push_back('\n');
    if (buf.size() >= (1u << 20)) {
      out.write(buf);
      buf.clear();
    }
  }
  out.write(buf);
  out.commit();
}

Vocab Vocab::load(const std::string& path, const std::string& fix) {
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      int err = errno;
      throw InputError(fmt::format("{}: cannot read the vocab: {} ({})", path, std::strerror(err), fix));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw InputError(fmt::format("{}: read error (check the file)", path));
    text = std::move(ss).str();
  }
  Vocab v;
  uint64_t line_no = 0;
  auto bad = [&](const std::string& what) {
    return InputError(fmt::format("{}:{}: {} (expected one \"word count\" pair per line; {})", path,
                                  line_no, what, fix));
  };
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    ++line_no;
    const char* eol = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (!eol) eol = end;
    const char* b = p;
    const char* e = eol;
    p = eol + 1;
    while (b < e && blank(*b)) ++b;
    while (e > b && blank(e[-1])) --e;
    if (b == e) continue;  // blank line
    const char* sep = b;
    while (sep < e && !blank(*sep)) ++sep;
    if (sep == e) throw bad("no count after the word");
    const char* c = sep;
    while (blank(*c)) ++c;
    uint64_t count = 0;
    auto [ptr, ec] = std::from_chars(c, e, count);
    if (ec != std::errc() || ptr != e) throw bad(fmt::format("bad count '{}'", std::string_view(c, e - c)));
    if (v.words_.size() + 1 >= kMissing) throw bad("too many words");
    auto [it, added] = v.ids_.try_emplace(std::string(b, sep), static_cast<uint32_t>(v.words_.size()));
    if (!added) throw bad(fmt::format("duplicate word '{}'", it->first));
    v.words_.push_back(it->first);
    v.counts_.push_back(count);
    v.total_ += count;
  }
  return v;
}

std::unordered_map<std::string, uint64_t> count_words(const std::vector<std::string>& paths,
                                                      uint32_t max_sentence_length,
                                                      uint32_t max_token_bytes,
                                                      uint64_t max_table) {
  CountTable table;
  uint64_t min_reduce = 1;
  uint64_t pruned = 0;
  ReaderLimits limits;
  limits.max_sentence_length = max_sentence_length;
  limits.max_token_bytes = max_token_bytes;
  ReaderStats stats = read_corpus(paths, limits, [&](const std::vector<std::string_view>& tokens) {
    table.add(tokens);
    if (max_table > 0 && table.size() > max_table) {
      while (table.size() > max_table) pruned += table.prune(min_reduce++);
    }
  });
  if (pruned > 0)
    std::fprintf(stderr,
                 "gemmvec: warning: more than %llu distinct words: pruned %llu rare words "
                 "(counts up to %llu) while counting, as word2vec.c does; rare counts are approximate\n",
                 static_cast<unsigned long long>(max_table), static_cast<unsigned long long>(pruned),
                 static_cast<unsigned long long>(min_reduce - 1));
  warn_changes(stats, limits);
  return table.take();
}

}  // namespace gemmvec
