// gemmvec: the token cache: the corpus encoded once as uint32 word ids with sentence breaks,
// memory-mapped on later runs; and prepare_corpus, which finds or builds vocab and cache.
#include "data/token_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include <fmt/format.h>

#include "data/corpus_reader.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'G', 'V', 'T', 'O', 'K', 'E', 'N', 'S'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 64;
// Bumped when the reader's tokenization or the cache key changes, so old caches are not reused.
constexpr uint64_t kKeyVersion = 1;

// The 64-byte file header; tokens (uint32, little-endian) follow it.
struct Header {
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
static_assert(sizeof(Header) == kHeaderBytes, "token cache header must be 64 bytes");

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

uint64_t vocab_hash(const Vocab& vocab) {
  Fnv f;
  f.u64(vocab.size());
  for (uint32_t i = 0; i < vocab.size(); ++i) {
    f.str(vocab.word(i));
    f.u64(vocab.count(i));
  }
  return f.h;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string describe_corpus(const std::vector<std::string>& corpus) {
  if (corpus.size() == 1) return corpus[0];
  return fmt::format("{} (and {} more files)", corpus[0], corpus.size() - 1);
}

// Reads only the header of a cache file; throws InputError if it is not one.
Header read_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  Header h;
  if (!in || !in.read(reinterpret_cast<char*>(&h), sizeof(h)))
    throw InputError(path + ": truncated or unreadable token cache (delete it to rebuild)");
  return h;
}

// Checks that a token file was made with this vocab.
void check_pair(const std::string& tokens_path, const std::string& vocab_path, const Vocab& vocab,
                const std::string& fix) {
  Header h = read_header(tokens_path);
  if (h.vocab_size != vocab.size())
    throw InputError(fmt::format("{}: made with a vocab of {} words, but {} has {} ({})",
                                 tokens_path, h.vocab_size, vocab_path, vocab.size(), fix));
  if (h.vocab_hash != vocab_hash(vocab))
    throw InputError(fmt::format("{}: made with a different vocab than {} ({})", tokens_path,
                                 vocab_path, fix));
}

// Names the file users know (PREFIX.tokens), not its temporary (PREFIX.tokens.tmp.PID).
[[noreturn]] void fail_write(const std::string& path, int err) {
  throw_write_error(path.substr(0, path.rfind(".tmp.")), err, "cannot write the token cache");
}

// Checks every id of a mapped token file against the vocab (a corrupt id would index past the
// matrices) and the header's word count, dropping the pages read from the resident set as it
// goes (the file may be far larger than memory).
void check_ids(const TokenCache& cache, const std::string& path, uint32_t vocab_size, const std::string& fix) {
  constexpr size_t kChunk = size_t{1} << 22;  // tokens (16 MiB)
  const uint32_t* t = cache.data();
  uint64_t words = 0;
  size_t released = 0;
  for (size_t i = 0; i < cache.size(); ++i) {
    if (i - released >= kChunk) released = cache.release(released, i);
    if (t[i] == kSentenceBreak) continue;
    if (t[i] >= vocab_size)
      throw InputError(fmt::format("{}: corrupt token cache (token {} is id {}, the vocab has {} words) ({})", path, i,
                                   t[i], vocab_size, fix));
    ++words;
  }
  if (words != cache.words())
    throw InputError(fmt::format("{}: corrupt token cache ({} words, the header says {}) ({})", path, words,
                                 cache.words(), fix));
  cache.release(released, cache.size());
}

// A temporary file beside its final path, removed unless commit() renames it into place.
class TmpFile {
 public:
  explicit TmpFile(std::string final_path)
      : final_(std::move(final_path)), path_(fmt::format("{}.tmp.{}", final_, ::getpid())) {}
  ~TmpFile() {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  TmpFile(const TmpFile&) = delete;
  TmpFile& operator=(const TmpFile&) = delete;
  const std::string& path() const { return path_; }
  void commit() {
    if (std::rename(path_.c_str(), final_.c_str()) != 0) fail_write(final_, errno);
    path_.clear();
  }

 private:
  std::string final_, path_;
};

// Buffered writer of a header placeholder and then uint32 tokens.
class TokenWriter {
 public:
  explicit TokenWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail_write(path, errno);
    buf_.reserve(kBufTokens);
    Header zero{};
    write_all(&zero, sizeof(zero));
  }
  ~TokenWriter() {
    if (fd_ >= 0) ::close(fd_);
  }
  TokenWriter(const TokenWriter&) = delete;
  TokenWriter& operator=(const TokenWriter&) = delete;

  void push(uint32_t token) {
    buf_.push_back(token);
    if (buf_.size() >= kBufTokens) flush();
  }
  void push(const uint32_t* tokens, size_t n) {
    buf_.insert(buf_.end(), tokens, tokens + n);
    if (buf_.size() >= kBufTokens) flush();
  }
  uint64_t written() const { return written_ + buf_.size(); }

  // Writes the header (when given) and closes the file.
  void close(const Header* header) {
    flush();
    if (header && ::pwrite(fd_, header, sizeof(*header), 0) != static_cast<ssize_t>(sizeof(*header)))
      fail_write(path_, errno);
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_write(path_, errno);
  }

 private:
  static constexpr size_t kBufTokens = size_t{1} << 18;  // 1 MiB

  void write_all(const void* p, size_t n) {
    const char* c = static_cast<const char*>(p);
    while (n > 0) {
      ssize_t w = ::write(fd_, c, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail_write(path_, w < 0 ? errno : ENOSPC);
      c += w;
      n -= static_cast<size_t>(w);
    }
  }
  void flush() {
    if (buf_.empty()) return;
    write_all(buf_.data(), buf_.size() * sizeof(uint32_t));
    written_ += buf_.size();
    buf_.clear();
  }

  std::string path_;
  int fd_ = -1;
  std::vector<uint32_t> buf_;
  uint64_t written_ = 0;
};

Header make_header(uint64_t tokens, uint64_t words, uint64_t raw_words, const Vocab& vocab) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  h.version = kVersion;
  h.tokens = tokens;
  h.words = words;
  h.raw_words = raw_words;
  h.vocab_size = vocab.size();
  h.vocab_hash = vocab_hash(vocab);
  return h;
}


ReaderLimits limits_of(const DataConfig& data) {
  ReaderLimits limits;
  limits.max_sentence_length = data.max_sentence_length;
  limits.max_token_bytes = data.max_token_bytes;
  return limits;
}

// The warning line listing what the reader changed (CRs, NULs, cut tokens, split lines...).
void print_notes(const ReaderStats& stats, const DataConfig& data) {
  warn_changes(stats, limits_of(data));
}

enum class Report { kQuiet, kNotes };

Header build_cache(const std::vector<std::string>& corpus, const Vocab& vocab,
                   const DataConfig& data, const std::string& path, Report report) {
  if (corpus.empty()) throw UsageError("data.corpus is empty (name the corpus files)");
  TmpFile tmp(path);
  TokenWriter out(tmp.path());
  uint64_t words = 0, raw_words = 0;
  const WordIndex index(vocab);
  std::vector<uint32_t> ids;
  ReaderStats stats = read_corpus(corpus, limits_of(data), [&](const std::vector<std::string_view>& tokens) {
    raw_words += tokens.size();
    ids.resize(tokens.size());
    index.find(tokens.data(), tokens.size(), ids.data());
    size_t kept = 0;
    for (uint32_t id : ids)
      if (id != Vocab::kMissing) ids[kept++] = id;
    if (kept == 0) return;  // no empty sentences
    out.push(ids.data(), kept);
    out.push(kSentenceBreak);
    words += kept;
  });
  if (report == Report::kNotes) print_notes(stats, data);
  Header h = make_header(out.written(), words, raw_words, vocab);
  out.close(&h);
  tmp.commit();
  return h;
}

// Marks, in the provisional id file, where the count table was pruned and its ids renumbered.
// Never a word index: WordIndex stops at 0xFFFFFFFD.
constexpr uint32_t kPruneMark = 0xFFFFFFFEu;

// Rewrites a file of provisional ids (first-seen word indices, a break after every sentence,
// kPruneMark where the count table was pruned) as vocab ids in place: the ids before the first
// mark go through maps(0), those up to the next through maps(1), ... Words outside the vocab and
// sentences left empty are dropped, so the file shrinks. One sequential read and write.
Header renumber_in_place(const std::string& path,
                         const std::function<const std::vector<uint32_t>&(size_t)>& maps,
                         uint64_t raw_words, const Vocab& vocab) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) fail_write(path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) fail_write(path, errno);
  const uint64_t entries = (static_cast<uint64_t>(st.st_size) - kHeaderBytes) / sizeof(uint32_t);
  constexpr size_t kChunk = size_t{1} << 18;
  std::vector<uint32_t> in(kChunk), out;
  out.reserve(kChunk);
  uint64_t read_at = 0, written = 0, words = 0;
  bool open_sentence = false;
  size_t generation = 0;
  const std::vector<uint32_t>* remap = &maps(0);
  auto flush = [&] {
    size_t bytes = out.size() * sizeof(uint32_t);
    // written <= entries consumed, so this never overwrites entries not yet read.
    if (::pwrite(fd, out.data(), bytes, kHeaderBytes + written * sizeof(uint32_t)) != static_cast<ssize_t>(bytes))
      fail_write(path, errno);
    written += out.size();
    out.clear();
  };
  while (read_at < entries) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, entries - read_at));
    size_t bytes = n * sizeof(uint32_t);
    if (::pread(fd, in.data(), bytes, kHeaderBytes + read_at * sizeof(uint32_t)) != static_cast<ssize_t>(bytes))
      fail_write(path, errno ? errno : EIO);
    read_at += n;
    for (size_t i = 0; i < n; ++i) {
      uint32_t t = in[i];
      if (t == kSentenceBreak) {
        if (open_sentence) out.push_back(kSentenceBreak);
        open_sentence = false;
      } else if (t == kPruneMark) {
        remap = &maps(++generation);
      } else if (uint32_t id = (*remap)[t]; id != Vocab::kMissing) {
        out.push_back(id);
        ++words;
        open_sentence = true;
      }
    }
    flush();
  }
  Header h = make_header(written, words, raw_words, vocab);
  if (::pwrite(fd, &h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h))) fail_write(path, errno);
  if (::ftruncate(fd, static_cast<off_t>(kHeaderBytes + written * sizeof(uint32_t))) != 0)
    fail_write(path, errno);
  return h;
}

// Checks the counts and makes the vocab, with errors that name the corpus and the fix.
Vocab vocab_from(std::unordered_map<std::string, uint64_t> counts, uint64_t total, const Config& config,
                 double seconds) {
  const auto& corpus = config.data.corpus;
  if (total == 0)
    throw InputError(describe_corpus(corpus) + ": the corpus has no words (check data.corpus)");
  Vocab vocab = Vocab::from_counts(std::move(counts), config.vocab.min_count, config.vocab.max_size);
  if (vocab.size() == 0)
    throw InputError(fmt::format("{}: no word occurs {} times in its {} words (lower vocab.min_count)",
                                 describe_corpus(corpus), config.vocab.min_count, total));
  std::fprintf(stderr, "gemmvec: counted %llu words, vocab %u (min_count %llu) in %.2f s\n",
               static_cast<unsigned long long>(total), vocab.size(),
               static_cast<unsigned long long>(config.vocab.min_count), seconds);
  return vocab;
}

// The count pass's table: word -> provisional id (dense, first-seen order since the last
// prune) and counts. Past max_table words it drops the rarest as word2vec.c's ReduceVocab does
// (counts <= min_reduce, min_reduce rising by one each time) and renumbers the survivors; the
// old -> new id map of each prune is spilled to a side file, so memory is the table's alone.
class FirstSeenTable {
 public:
  FirstSeenTable(uint64_t max_table, std::string maps_path)
      : max_table_(max_table), maps_path_(std::move(maps_path)) {}
  ~FirstSeenTable() {
    if (maps_fd_ >= 0) ::close(maps_fd_);
  }
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
  void prune() {
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

  uint64_t pruned() const { return pruned_; }
  uint64_t min_reduce() const { return min_reduce_; }
  size_t prunes() const { return map_sizes_.size(); }
  // The words still counted, with counts >= min_count (the only ones a vocab can take).
  std::unordered_map<std::string, uint64_t> counts(uint64_t min_count) const {
    std::unordered_map<std::string, uint64_t> out;
    for (uint32_t id = 0; id < index_.size(); ++id)
      if (counts_[id] >= min_count) out.emplace(index_.word(id), counts_[id]);
    return out;
  }

  // Turns the table into the renumbering's maps: maps(g) takes generation g's provisional ids
  // to vocab ids. Composes the spilled maps backwards (each with the one after it), in place.
  void finish(const Vocab& vocab) {
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
  const std::vector<uint32_t>& map(size_t generation) {
    if (generation >= map_sizes_.size()) return last_;
    read_map(generation, current_);
    return current_;
  }

 private:
  void spill(const std::vector<uint32_t>& map) {
    if (maps_fd_ < 0) {
      maps_fd_ = ::open(maps_path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (maps_fd_ < 0) fail_write(maps_path_, errno);
    }
    map_offsets_.push_back(map_offsets_.empty() ? 0 : map_offsets_.back() + map_sizes_.back() * 4);
    map_sizes_.push_back(map.size());
    write_map(map_sizes_.size() - 1, map);
  }
  void write_map(size_t g, const std::vector<uint32_t>& map) {
    const size_t bytes = map.size() * sizeof(uint32_t);
    if (::pwrite(maps_fd_, map.data(), bytes, static_cast<off_t>(map_offsets_[g])) != static_cast<ssize_t>(bytes))
      fail_write(maps_path_, errno ? errno : ENOSPC);
  }
  void read_map(size_t g, std::vector<uint32_t>& map) {
    map.resize(map_sizes_[g]);
    const size_t bytes = map.size() * sizeof(uint32_t);
    if (::pread(maps_fd_, map.data(), bytes, static_cast<off_t>(map_offsets_[g])) != static_cast<ssize_t>(bytes))
      fail_write(maps_path_, errno ? errno : EIO);
  }

  uint64_t max_table_;
  std::string maps_path_;
  int maps_fd_ = -1;
  WordIndex index_;
  std::vector<uint64_t> counts_;  // (words): by provisional id
  std::vector<uint32_t> ids_;     // (sentence): scratch
  uint64_t min_reduce_ = 1, pruned_ = 0;
  std::vector<uint64_t> map_offsets_, map_sizes_;  // (prunes): spilled maps in maps_path_
  std::vector<uint32_t> last_, current_;          // the last generation's map; the one in use
};

// The single pass over the text: counts the words while writing each token as its provisional
// id; once the vocab is known (and handed to on_vocab, which saves it), the ids are renumbered
// to vocab ids in place by a sequential pass over that binary file. Memory is bounded by the
// count table (data.max_count_table), never by the corpus.
Vocab count_and_build(const Config& config, const std::string& path,
                      const std::function<void(const Vocab&)>& on_vocab) {
  auto t0 = std::chrono::steady_clock::now();
  TmpFile tmp(path);
  TmpFile maps(path + ".prune");  // never committed: removed when done
  TokenWriter out(tmp.path());
  FirstSeenTable table(config.data.max_count_table, maps.path());
  uint64_t raw_words = 0;
  ReaderStats stats = read_corpus(config.data.corpus, limits_of(config.data),
                                  [&](const std::vector<std::string_view>& tokens) {
                                    const std::vector<uint32_t>& ids = table.add(tokens);
                                    out.push(ids.data(), ids.size());
                                    out.push(kSentenceBreak);
                                    raw_words += tokens.size();
                                    if (table.full()) {
                                      table.prune();
                                      out.push(kPruneMark);
                                    }
                                  });
  out.close(nullptr);
  print_notes(stats, config.data);
  if (table.pruned() > 0)
    std::fprintf(stderr,
                 "gemmvec: warning: more than %llu distinct words (data.max_count_table): pruned "
                 "%llu rare words (counts up to %llu) in %zu prunes while counting, as word2vec.c "
                 "does; rare counts are approximate and a pruned word's earlier occurrences are "
                 "not in the token file\n",
                 static_cast<unsigned long long>(config.data.max_count_table),
                 static_cast<unsigned long long>(table.pruned()),
                 static_cast<unsigned long long>(table.min_reduce() - 1), table.prunes());
  Vocab vocab = vocab_from(table.counts(config.vocab.min_count), raw_words, config, seconds_since(t0));
  on_vocab(vocab);

  auto t1 = std::chrono::steady_clock::now();
  table.finish(vocab);
  Header h = renumber_in_place(tmp.path(), [&](size_t g) -> const std::vector<uint32_t>& { return table.map(g); },
                               raw_words, vocab);
  tmp.commit();
  std::fprintf(stderr, "gemmvec: encoded %s (%llu tokens) in %.2f s\n", path.c_str(),
               static_cast<unsigned long long>(h.tokens), seconds_since(t1));
  return vocab;
}

// Builds the cache from a known vocab, timing it, and checks the corpus kept some words.
void build_reported(const Config& config, const Vocab& vocab, const std::string& path) {
  auto t0 = std::chrono::steady_clock::now();
  Report report = config.vocab.read.empty() ? Report::kQuiet : Report::kNotes;  // else counting noted it
  Header h = build_cache(config.data.corpus, vocab, config.data, path, report);
  if (h.words == 0) {
    std::remove(path.c_str());
    throw InputError(fmt::format("{}: none of its {} words is in the vocab{} (check vocab.read)",
                                 describe_corpus(config.data.corpus), h.raw_words,
                                 config.vocab.read.empty() ? "" : " " + config.vocab.read));
  }
  std::fprintf(stderr, "gemmvec: encoded %s (%llu tokens) in %.2f s\n", path.c_str(),
               static_cast<unsigned long long>(h.tokens), seconds_since(t0));
}

void save_user_vocab(const Config& config, const Vocab& vocab) {
  if (config.vocab.save.empty()) return;
  vocab.save(config.vocab.save);
  std::fprintf(stderr, "gemmvec: saved vocab %s (%u words)\n", config.vocab.save.c_str(), vocab.size());
}

// Makes the vocab (read, or counted) and the token file, saving the vocab to vocab_path (and
// to vocab.save) before the token file appears, so a token file always has its vocab.
Vocab make_vocab_and_tokens(const Config& config, const std::string& tokens_path,
                            const std::string& vocab_path) {
  auto save = [&](const Vocab& vocab) {
    save_user_vocab(config, vocab);
    vocab.save(vocab_path);
  };
  Vocab vocab;
  if (!config.vocab.read.empty()) {
    vocab = Vocab::load(config.vocab.read);
    if (vocab.size() == 0)
      throw InputError(config.vocab.read + ": the vocab file has no words (check vocab.read)");
    std::fprintf(stderr, "gemmvec: read vocab %s (%u words)\n", config.vocab.read.c_str(),
                 vocab.size());
  } else {
    return count_and_build(config, tokens_path, save);
  }
  save(vocab);
  build_reported(config, vocab, tokens_path);
  return vocab;
}

// Stats a corpus file for the cache key, with the reader's errors for missing files.
void add_file_to_key(Fnv& key, const std::string& path) {
  require_input_file(path, "data.corpus");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(fmt::format("{}: cannot stat: {} (check data.corpus)", path, std::strerror(errno)));
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  key.str(ec ? path : abs.lexically_normal().string());
  key.u64(static_cast<uint64_t>(st.st_size));
  key.u64(static_cast<uint64_t>(st.st_mtim.tv_sec));
  key.u64(static_cast<uint64_t>(st.st_mtim.tv_nsec));
  key.u64(static_cast<uint64_t>(st.st_ino));
}

uint64_t file_content_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError(fmt::format("{}: cannot read the vocab: {} (check vocab.read)", path,
                                 std::strerror(errno)));
  Fnv f;
  char buf[1 << 16];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) f.bytes(buf, static_cast<size_t>(in.gcount()));
  return f.h;
}

// The cache file stem for a config: a hash of everything the cache's contents depend on.
std::string cache_stem(const Config& config) {
  Fnv key;
  key.u64(kKeyVersion);
  key.u64(config.data.corpus.size());
  for (const std::string& path : config.data.corpus) add_file_to_key(key, path);
  key.u64(config.vocab.min_count);
  key.u64(config.vocab.max_size);
  key.u64(config.data.max_sentence_length);
  key.u64(config.data.max_token_bytes);
  key.u64(config.data.max_count_table);
  key.u64(config.vocab.read.empty() ? 0 : file_content_hash(config.vocab.read));
  return (fs::path(config.data.cache_dir) / fmt::format("{:016x}", key.h)).string();
}

}  // namespace

TokenCache::~TokenCache() {
  if (map_) ::munmap(map_, map_bytes_);
}

TokenCache::TokenCache(TokenCache&& o) noexcept
    : map_(o.map_), map_bytes_(o.map_bytes_), tokens_(o.tokens_), size_(o.size_),
      words_(o.words_), raw_words_(o.raw_words_) {
  o.map_ = nullptr;
  o.map_bytes_ = 0;
  o.tokens_ = nullptr;
  o.size_ = 0;
  o.words_ = o.raw_words_ = 0;
}

TokenCache& TokenCache::operator=(TokenCache&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, map_bytes_);
    map_ = o.map_;
    map_bytes_ = o.map_bytes_;
    tokens_ = o.tokens_;
    size_ = o.size_;
    words_ = o.words_;
    raw_words_ = o.raw_words_;
    o.map_ = nullptr;
    o.map_bytes_ = 0;
    o.tokens_ = nullptr;
    o.size_ = 0;
    o.words_ = o.raw_words_ = 0;
  }
  return *this;
}

void TokenCache::build(const std::vector<std::string>& corpus, const Vocab& vocab,
                       const DataConfig& data, const std::string& path) {
  build_cache(corpus, vocab, data, path, Report::kNotes);
}

size_t TokenCache::release(size_t begin, size_t end) const {
  end = std::min(end, size_);
  if (!tokens_ || begin >= end) return begin;
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  // Whole pages only: a neighbour's tokens on a shared page stay resident.
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(tokens_ + begin) + page - 1) & ~(page - 1);
  const uintptr_t hi = reinterpret_cast<uintptr_t>(tokens_ + end) & ~(page - 1);
  if (lo >= hi) return begin;
  // A read-only file mapping: dropped pages are read back from the file on the next access.
  ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  return static_cast<size_t>(reinterpret_cast<const uint32_t*>(hi) - tokens_);
}

TokenCache TokenCache::open(const std::string& path, const std::string& fix) {
  auto bad = [&](const std::string& what) {
    return InputError(fmt::format("{}: {} ({})", path, what, fix));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw InputError(path + ": no such token cache (run gemmvec prepare)");
    throw bad(fmt::format("cannot open the token cache: {}", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw bad("not a regular file");
  }
  size_t bytes = static_cast<size_t>(st.st_size);
  if (bytes < kHeaderBytes) {
    ::close(fd);
    throw bad("truncated token cache");
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (map == MAP_FAILED) throw bad(fmt::format("cannot map the token cache: {}", std::strerror(err)));
  TokenCache cache;  // owns the mapping from here on
  cache.map_ = map;
  cache.map_bytes_ = bytes;
  ::madvise(map, bytes, MADV_SEQUENTIAL);
  Header h;
  std::memcpy(&h, map, sizeof(h));
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) throw bad("not a gemmvec token cache");
  if (h.version != kVersion)
    throw bad(fmt::format("token cache version {}, this gemmvec reads version {}", h.version, kVersion));
  if (h.tokens > (bytes - kHeaderBytes) / sizeof(uint32_t) ||
      kHeaderBytes + h.tokens * sizeof(uint32_t) != bytes)
    throw bad(fmt::format("truncated or corrupt token cache ({} bytes, header says {} tokens)",
                          bytes, h.tokens));
  cache.tokens_ = reinterpret_cast<const uint32_t*>(static_cast<const char*>(map) + kHeaderBytes);
  cache.size_ = h.tokens;
  if (cache.size_ > 0 && cache.tokens_[cache.size_ - 1] != kSentenceBreak)
    throw bad("corrupt token cache (no sentence break at the end)");
  if (h.words > h.tokens || h.words > h.raw_words) throw bad("corrupt token cache (bad counts)");
  cache.words_ = h.words;
  cache.raw_words_ = h.raw_words;
  return cache;
}

PreparedCorpus prepare_corpus(const Config& config) {
  PreparedCorpus out;
  if (!config.data.tokens.empty()) {
    const std::string vocab_path = config.data.tokens + ".vocab";
    const std::string tokens_path = config.data.tokens + ".tokens";
    const std::string fix = "run gemmvec prepare again";
    out.vocab = Vocab::load(vocab_path, fix);
    out.tokens = TokenCache::open(tokens_path, fix);
    check_pair(tokens_path, vocab_path, out.vocab, fix);
    check_ids(out.tokens, tokens_path, out.vocab.size(), fix);
    save_user_vocab(config, out.vocab);
    std::fprintf(stderr, "gemmvec: token cache %s (%zu tokens, vocab %u)\n", tokens_path.c_str(),
                 out.tokens.size(), out.vocab.size());
    return out;
  }
  if (config.data.corpus.empty())
    throw UsageError("data.corpus is empty (name the corpus files, or data.tokens for a prepared corpus)");

  const std::string stem = cache_stem(config);
  const std::string vocab_path = stem + ".vocab";
  const std::string tokens_path = stem + ".tokens";
  std::error_code ec;
  if (fs::exists(tokens_path, ec) && fs::exists(vocab_path, ec)) {
    try {
      Vocab vocab = Vocab::load(vocab_path, "delete it to rebuild");
      TokenCache tokens = TokenCache::open(tokens_path);
      check_pair(tokens_path, vocab_path, vocab, "delete it to rebuild");
      check_ids(tokens, tokens_path, vocab.size(), "delete it to rebuild");
      out.vocab = std::move(vocab);
      out.tokens = std::move(tokens);
      save_user_vocab(config, out.vocab);
      std::fprintf(stderr, "gemmvec: token cache %s (%zu tokens, vocab %u)\n", tokens_path.c_str(),
                   out.tokens.size(), out.vocab.size());
      return out;
    } catch (const InputError& e) {
      std::fprintf(stderr, "gemmvec: warning: %s; rebuilding it\n", e.what());
    }
  }

  fs::create_directories(config.data.cache_dir, ec);
  if (ec)
    throw InputError(fmt::format("{}: cannot create the cache directory: {} (set data.cache_dir)",
                                 config.data.cache_dir, ec.message()));
  out.vocab = make_vocab_and_tokens(config, tokens_path, vocab_path);
  out.tokens = TokenCache::open(tokens_path);
  std::fprintf(stderr, "gemmvec: token cache %s (%zu tokens)\n", tokens_path.c_str(), out.tokens.size());
  return out;
}

void prepare_to_prefix(const Config& config, const std::string& prefix) {
  if (config.data.corpus.empty())
    throw UsageError("gemmvec prepare needs data.corpus (the text files to prepare)");
  for (const std::string& path : config.data.corpus) {
    Fnv ignored;
    add_file_to_key(ignored, path);  // a missing file fails before the long pass
  }
  fs::path parent = fs::path(prefix).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  Vocab vocab = make_vocab_and_tokens(config, prefix + ".tokens", prefix + ".vocab");
  std::fprintf(stderr, "gemmvec: wrote %s.vocab (%u words) and %s.tokens\n", prefix.c_str(),
               vocab.size(), prefix.c_str());
}

}  // namespace gemmvec
