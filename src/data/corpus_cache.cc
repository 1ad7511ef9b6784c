// gemmvec: prepare_corpus: the vocab and token cache a run trains on, from data.tokens or from a
// cache under data.cache_dir, reused while its key (the corpus files, the settings) matches.
#include "data/corpus_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/stderr_lines.h"
#include "data/prepare.h"
#include "data/token_format.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

// Bumped when the reader's tokenization or the cache key changes, so old caches are not reused.
constexpr uint64_t kKeyVersion = 1;

// Checks that a token file was made with this vocab.
void check_pair(const std::string& tokens_path, const std::string& vocab_path, const Vocab& vocab,
                const std::string& fix) {
  TokenHeader h = read_token_header(tokens_path);
  if (h.vocab_size != vocab.size())
    throw InputError(fmt::format("{}: made with a vocab of {} words, but {} has {} ({})",
                                 tokens_path, h.vocab_size, vocab_path, vocab.size(), fix));
  if (h.vocab_hash != vocab_hash(vocab))
    throw InputError(fmt::format("{}: made with a different vocab than {} ({})", tokens_path,
                                 vocab_path, fix));
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

// A corpus file in the cache key, with the reader's errors for missing files.
void add_file_to_key(Fnv& key, const std::string& path) {
  const struct stat st = stat_corpus_file(path);
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
    print_note(fmt::format("gemmvec: token cache {} ({} tokens, vocab {})", tokens_path, out.tokens.size(),
                           out.vocab.size()));
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
      print_note(fmt::format("gemmvec: token cache {} ({} tokens, vocab {})", tokens_path, out.tokens.size(),
                             out.vocab.size()));
      return out;
    } catch (const InputError& e) {
      print_message(fmt::format("gemmvec: warning: {}; rebuilding it", e.what()));
    }
  }

  fs::create_directories(config.data.cache_dir, ec);
  if (ec)
    throw InputError(fmt::format("{}: cannot create the cache directory: {} (set data.cache_dir)",
                                 config.data.cache_dir, ec.message()));
  out.vocab = make_vocab_and_tokens(config, tokens_path, vocab_path);
  out.tokens = TokenCache::open(tokens_path);
  print_detail(fmt::format("gemmvec: token cache {} ({} tokens)", tokens_path, out.tokens.size()));  // counted: said
  return out;
}

}  // namespace gemmvec
