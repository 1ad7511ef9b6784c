// gemmvec: the prepare step: a corpus's vocab and token file from its text, in one counting and
// encoding pass (then a renumbering of that binary file), or by encoding with a vocab read.
#include "data/prepare.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/file_errors.h"
#include "base/stderr_lines.h"
#include "data/corpus_reader.h"
#include "data/first_seen_table.h"
#include "data/token_cache.h"
#include "data/token_writer.h"
#include "data/word_index.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string describe_corpus(const std::vector<std::string>& corpus) {
  if (corpus.size() == 1) return corpus[0];
  return fmt::format("{} (and {} more files)", corpus[0], corpus.size() - 1);
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

TokenHeader build_cache(const std::vector<std::string>& corpus, const Vocab& vocab,
                        const DataConfig& data, const std::string& path, Report report) {
  if (corpus.empty()) throw UsageError("data.corpus is empty (name the corpus files)");
  TmpFile tmp(path);
  TokenWriter out(tmp.take_fd(), tmp.path());
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
  TokenHeader h = make_token_header(out.written(), words, raw_words, vocab);
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
TokenHeader renumber_in_place(const std::string& path,
                              const std::function<const std::vector<uint32_t>&(size_t)>& maps,
                              uint64_t raw_words, const Vocab& vocab) {
  int fd = ::open(path.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC);  // our own temporary, never a link
  if (fd < 0) fail_token_write(path, errno);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) fail_token_write(path, errno);
  const uint64_t entries = (static_cast<uint64_t>(st.st_size) - kTokenHeaderBytes) / sizeof(uint32_t);
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
    if (::pwrite(fd, out.data(), bytes, kTokenHeaderBytes + written * sizeof(uint32_t)) != static_cast<ssize_t>(bytes))
      fail_token_write(path, errno);
    written += out.size();
    out.clear();
  };
  while (read_at < entries) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, entries - read_at));
    size_t bytes = n * sizeof(uint32_t);
    if (::pread(fd, in.data(), bytes, kTokenHeaderBytes + read_at * sizeof(uint32_t)) != static_cast<ssize_t>(bytes))
      fail_token_write(path, errno ? errno : EIO);
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
  TokenHeader h = make_token_header(written, words, raw_words, vocab);
  if (::pwrite(fd, &h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h))) fail_token_write(path, errno);
  if (::ftruncate(fd, static_cast<off_t>(kTokenHeaderBytes + written * sizeof(uint32_t))) != 0)
    fail_token_write(path, errno);
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
  print_note(fmt::format("gemmvec: counted {} words, vocab {} (min_count {}) in {:.2f} s", total, vocab.size(),
                         config.vocab.min_count, seconds));
  return vocab;
}

// The single pass over the text: counts the words while writing each token as its provisional
// id; once the vocab is known (and handed to on_vocab, which saves it), the ids are renumbered
// to vocab ids in place by a sequential pass over that binary file. Memory is bounded by the
// count table (data.max_count_table), never by the corpus.
Vocab count_and_build(const Config& config, const std::string& path,
                      const std::function<void(const Vocab&)>& on_vocab) {
  auto t0 = std::chrono::steady_clock::now();
  TmpFile tmp(path);
  TokenWriter out(tmp.take_fd(), tmp.path());
  FirstSeenTable table(config.data.max_count_table, path + ".prune");
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
    print_message(fmt::format("gemmvec: warning: more than {} distinct words (data.max_count_table): pruned {} rare "
                              "words (counts up to {}) in {} prunes while counting, as word2vec.c does; rare counts "
                              "are approximate and a pruned word's earlier occurrences are not in the token file",
                              config.data.max_count_table, table.pruned(), table.min_reduce() - 1, table.prunes()));
  Vocab vocab = vocab_from(table.counts(config.vocab.min_count), raw_words, config, seconds_since(t0));
  on_vocab(vocab);

  auto t1 = std::chrono::steady_clock::now();
  table.finish(vocab);
  TokenHeader h = renumber_in_place(
      tmp.path(), [&](size_t g) -> const std::vector<uint32_t>& { return table.map(g); }, raw_words, vocab);
  tmp.commit();
  print_detail(fmt::format("gemmvec: encoded {} ({} tokens) in {:.2f} s", path, h.tokens, seconds_since(t1)));
  return vocab;
}

// Builds the cache from a known vocab, timing it, and checks the corpus kept some words.
void build_reported(const Config& config, const Vocab& vocab, const std::string& path) {
  auto t0 = std::chrono::steady_clock::now();
  Report report = config.vocab.read.empty() ? Report::kQuiet : Report::kNotes;  // else counting noted it
  TokenHeader h = build_cache(config.data.corpus, vocab, config.data, path, report);
  if (h.words == 0) {
    if (!resolve_output(path).in_place) std::remove(path.c_str());  // never a device it was copied into
    throw InputError(fmt::format("{}: none of its {} words is in the vocab{} (check vocab.read)",
                                 describe_corpus(config.data.corpus), h.raw_words,
                                 config.vocab.read.empty() ? "" : " " + config.vocab.read));
  }
  print_detail(fmt::format("gemmvec: encoded {} ({} tokens) in {:.2f} s", path, h.tokens, seconds_since(t0)));
}

}  // namespace

// Here rather than in token_cache.cc: it is the encoding pass prepare runs for vocab.read.
void TokenCache::build(const std::vector<std::string>& corpus, const Vocab& vocab,
                       const DataConfig& data, const std::string& path) {
  build_cache(corpus, vocab, data, path, Report::kNotes);
}

struct stat stat_corpus_file(const std::string& path) {
  require_input_file(path, "data.corpus");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw InputError(fmt::format("{}: cannot stat: {} (check data.corpus)", path, std::strerror(errno)));
  return st;
}

void save_user_vocab(const Config& config, const Vocab& vocab) {
  if (config.vocab.save.empty()) return;
  vocab.save(config.vocab.save);
  print_note(fmt::format("gemmvec: saved vocab {} ({} words)", config.vocab.save, vocab.size()));
}

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
    print_note(fmt::format("gemmvec: read vocab {} ({} words)", config.vocab.read, vocab.size()));
  } else {
    return count_and_build(config, tokens_path, save);
  }
  save(vocab);
  build_reported(config, vocab, tokens_path);
  return vocab;
}

void prepare_to_prefix(const Config& config, const std::string& prefix) {
  if (config.data.corpus.empty())
    throw UsageError("gemmvec prepare needs data.corpus (the text files to prepare)");
  for (const std::string& path : config.data.corpus)
    stat_corpus_file(path);  // a missing file fails before the long pass
  fs::path parent = fs::path(prefix).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  Vocab vocab = make_vocab_and_tokens(config, prefix + ".tokens", prefix + ".vocab");
  print_note(fmt::format("gemmvec: wrote {}.vocab ({} words) and {}.tokens", prefix, vocab.size(), prefix));
}

}  // namespace gemmvec
