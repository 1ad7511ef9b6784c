// gemmvec: the vocabulary: words sorted by count and capped, and word2vec.c's "word count"
// file.
#include "data/vocab.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "gemmvec/errors.h"

namespace gemmvec {

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
  AtomicWriter out(path);  // a full disk is a ResourceError, and no temporary is left behind
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

}  // namespace gemmvec
