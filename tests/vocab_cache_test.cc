// gemmvec tests: the vocabulary (counts, order, the word-count file) and the token cache with
// prepare_corpus's cache keys.
#include <gtest/gtest.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gemmvec/config.h"
#include "data/corpus_cache.h"
#include "data/corpus_reader.h"
#include "data/prepare.h"
#include "data/token_cache.h"
#include "data/vocab.h"
#include "data/word_index.h"

#include "count_oracle.h"
#include "test_files.h"

namespace gemmvec {
namespace {

using namespace gemmvec::test;

// ---------------------------------------------------------------------------------------
// Vocab

TEST(Vocab, FromCountsSortsFiltersAndBreaksTies) {
  Vocab v = Vocab::from_counts({{"b", 7}, {"a", 5}, {"c", 5}, {"ab", 5}, {"d", 2}, {"e", 3}}, 3, 0);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"b", "a", "ab", "c", "e"}));
  EXPECT_EQ(v.counts(), (std::vector<uint64_t>{7, 5, 5, 5, 3}));
  EXPECT_EQ(v.total(), 25u);
  EXPECT_EQ(v.find("ab"), 2u);
  EXPECT_EQ(v.find("d"), Vocab::kMissing);
  EXPECT_EQ(v.find("b"), 0u);
}

TEST(Vocab, MaxSizeCapsAfterSorting) {
  Vocab v = Vocab::from_counts({{"z", 9}, {"y", 8}, {"x", 8}, {"w", 1}}, 1, 2);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"z", "x"}));
  EXPECT_EQ(v.total(), 17u);
  Vocab all = Vocab::from_counts({{"z", 9}, {"y", 8}}, 1, 0);
  EXPECT_EQ(all.size(), 2u);
}

TEST(Vocab, SaveLoadRoundTrip) {
  TempDir dir;
  Vocab v = Vocab::from_counts({{"the", 100}, {"caf\xC3\xA9", 7}, {"of", 50}}, 1, 0);
  v.save(dir.file("v.txt"));
  EXPECT_EQ(read_file(dir.file("v.txt")), "the 100\nof 50\ncaf\xC3\xA9 7\n");
  EXPECT_EQ(temporaries_of(dir.file("v.txt")), std::vector<std::string>{});
  Vocab back = Vocab::load(dir.file("v.txt"));
  EXPECT_EQ(back.words(), v.words());
  EXPECT_EQ(back.counts(), v.counts());
  EXPECT_EQ(back.total(), 157u);
  EXPECT_EQ(back.find("of"), 1u);
}

TEST(Vocab, SaveFailureNamesFileAndLeavesNoTemporary) {
  TempDir dir;
  Vocab v = Vocab::from_counts({{"a", 1}}, 1, 0);
  std::string err = error_of([&] { v.save(dir.file("no/such/dir/v.txt")); });
  EXPECT_NE(err.find("v.txt"), std::string::npos) << err;
  fs::create_directories(dir.file("taken"));  // the rename onto a directory fails
  err = error_of([&] { v.save(dir.file("taken")); });
  EXPECT_NE(err.find("taken"), std::string::npos) << err;
  EXPECT_EQ(temporaries_of(dir.file("taken")), std::vector<std::string>{});
}

TEST(Vocab, LoadAcceptsCrlfAndTabs) {
  TempDir dir;
  write_file(dir.file("v.txt"), "</s> 9\r\nx\t4\r\n\r\n");
  Vocab v = Vocab::load(dir.file("v.txt"));
  EXPECT_EQ(v.words(), (std::vector<std::string>{"</s>", "x"}));
  EXPECT_EQ(v.counts(), (std::vector<uint64_t>{9, 4}));
}

TEST(Vocab, LoadMalformedLineNamesFileAndLine) {
  TempDir dir;
  write_file(dir.file("v1.txt"), "a 5\nb 4\nc\n");
  std::string err = error_of([&] { Vocab::load(dir.file("v1.txt")); });
  EXPECT_NE(err.find("v1.txt:3: no count"), std::string::npos) << err;
  write_file(dir.file("v2.txt"), "a 5\nb 4x\n");
  err = error_of([&] { Vocab::load(dir.file("v2.txt")); });
  EXPECT_NE(err.find("v2.txt:2"), std::string::npos) << err;
  write_file(dir.file("v3.txt"), "a 5\na 4\n");
  err = error_of([&] { Vocab::load(dir.file("v3.txt")); });
  EXPECT_NE(err.find("v3.txt:2"), std::string::npos) << err;
  EXPECT_NE(err.find("duplicate"), std::string::npos) << err;
  write_file(dir.file("v4.txt"), "a 5 6\n");
  err = error_of([&] { Vocab::load(dir.file("v4.txt")); });
  EXPECT_NE(err.find("v4.txt:1"), std::string::npos) << err;
  err = error_of([&] { Vocab::load(dir.file("missing.txt")); });
  EXPECT_NE(err.find("missing.txt"), std::string::npos) << err;
}

TEST(Vocab, CountWordsCountsEveryToken) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b a\nc a b\n\n");
  write_gz(dir.file("d.gz"), "b c\n");
  auto counts = count_words({dir.file("c.txt"), dir.file("d.gz")}, 1000, 100);
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts["a"], 3u);
  EXPECT_EQ(counts["b"], 3u);
  EXPECT_EQ(counts["c"], 2u);
}

TEST(Vocab, CountWordsPrunesRareWordsPastMaxTable) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20; ++i) text += "frequent common common ";
  text += "\n";
  for (int i = 0; i < 50; ++i) text += "rare" + std::to_string(i) + " ";
  text += "frequent\n";
  write_file(dir.file("c.txt"), text);
  auto all = count_words({dir.file("c.txt")}, 100000, 100, 0);  // 0: no limit
  EXPECT_EQ(all.size(), 52u);
  auto pruned = count_words({dir.file("c.txt")}, 100000, 100, 10);
  EXPECT_LE(pruned.size(), 10u);
  EXPECT_EQ(pruned["frequent"], 21u);
  EXPECT_EQ(pruned["common"], 40u);
}

TEST(Vocab, WordIndexFindsLongAndShortWords) {
  WordIndex index;
  std::vector<std::string> words = {"a", "ab", "abcdefgh", "abcdefghi", "abcdefghij",
                                    "abcdefghX", "abcdefghijklmnop", "abcdefghijklmnoq",
                                    "abcdefghijklmnopq", "abcdefghijklmnopr",
                                    std::string(300, 'q'), std::string(301, 'q'), "\xE2\x82\xAC"};
  for (int i = 0; i < 5000; ++i) words.push_back("w" + std::to_string(i));  // forces rehashes
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(index.insert(words[i]), i);
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(index.find(words[i]), i) << words[i];
  EXPECT_EQ(index.insert("abcdefghi"), 3u);
  EXPECT_EQ(index.find("abcdefg"), Vocab::kMissing);
  EXPECT_EQ(index.find("abcdefghiX"), Vocab::kMissing);
  EXPECT_EQ(index.find(std::string(302, 'q')), Vocab::kMissing);
  EXPECT_EQ(index.find(""), Vocab::kMissing);
  EXPECT_EQ(index.find("abcdefghijklmno"), Vocab::kMissing);
  // The batch forms agree with the single ones; the batch insert adds new words in order.
  std::vector<std::string_view> batch = {"ab", "new1", "abcdefghijklmnopq", "new2", "new1", "a"};
  std::vector<uint32_t> ids(batch.size());
  index.find(batch.data(), batch.size(), ids.data());
  const uint32_t n = static_cast<uint32_t>(words.size());
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, Vocab::kMissing, 8, Vocab::kMissing, Vocab::kMissing, 0}));
  index.insert(batch.data(), batch.size(), ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, n, 8, n + 1, n, 0}));
  EXPECT_EQ(index.size(), n + 2);
  EXPECT_EQ(index.word(n + 1), "new2");
  Vocab v = Vocab::from_counts({{"x", 3}, {"yy", 2}}, 1, 0);
  WordIndex vi(v);
  EXPECT_EQ(vi.find("yy"), 1u);
  EXPECT_EQ(vi.size(), 2u);
}

// ---------------------------------------------------------------------------------------
// TokenCache

std::vector<uint32_t> tokens_of(const TokenCache& c) { return {c.data(), c.data() + c.size()}; }
constexpr uint32_t B = kSentenceBreak;

TEST(TokenCache, BuildOpenRoundTrip) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b x\nb c\n\nx x\nc\r\n");
  Vocab v = Vocab::from_counts({{"a", 1}, {"b", 2}, {"c", 2}}, 1, 0);  // ids: b 0, c 1, a 2
  TokenCache::build({dir.file("c.txt")}, v, DataConfig{}, dir.file("c.tokens"));
  EXPECT_EQ(temporaries_of(dir.file("c.tokens")), std::vector<std::string>{});
  TokenCache c = TokenCache::open(dir.file("c.tokens"));
  EXPECT_EQ(tokens_of(c), (std::vector<uint32_t>{2, 0, B, 0, 1, B, 1, B}));
  EXPECT_EQ(c.words(), 5u);
  EXPECT_EQ(c.raw_words(), 8u);
  EXPECT_EQ(fs::file_size(dir.file("c.tokens")), 64u + 8u * 4u);
  TokenCache moved = std::move(c);
  EXPECT_EQ(moved.size(), 8u);
  EXPECT_EQ(c.size(), 0u);
}

TEST(TokenCache, BuildSplitsLongLinesWithBreaks) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a a a a a\n");
  Vocab v = Vocab::from_counts({{"a", 5}}, 1, 0);
  DataConfig data;
  data.max_sentence_length = 2;
  TokenCache::build({dir.file("c.txt")}, v, data, dir.file("c.tokens"));
  TokenCache c = TokenCache::open(dir.file("c.tokens"));
  EXPECT_EQ(tokens_of(c), (std::vector<uint32_t>{0, 0, B, 0, 0, B, 0, B}));
}

TEST(TokenCache, TruncatedOrCorruptCacheIsAnError) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b\nb\n");
  Vocab v = Vocab::from_counts({{"a", 1}, {"b", 2}}, 1, 0);
  TokenCache::build({dir.file("c.txt")}, v, DataConfig{}, dir.file("c.tokens"));
  std::string bytes = read_file(dir.file("c.tokens"));
  write_file(dir.file("cut.tokens"), bytes.substr(0, bytes.size() - 4));
  std::string err = error_of([&] { TokenCache::open(dir.file("cut.tokens")); });
  EXPECT_NE(err.find("cut.tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("delete it to rebuild"), std::string::npos) << err;
  write_file(dir.file("long.tokens"), bytes + "xxxx");
  err = error_of([&] { TokenCache::open(dir.file("long.tokens")); });
  EXPECT_NE(err.find("long.tokens"), std::string::npos) << err;
  write_file(dir.file("short.tokens"), bytes.substr(0, 20));
  err = error_of([&] { TokenCache::open(dir.file("short.tokens")); });
  EXPECT_NE(err.find("short.tokens"), std::string::npos) << err;
  std::string bad = bytes;
  bad[0] = 'X';
  write_file(dir.file("magic.tokens"), bad);
  err = error_of([&] { TokenCache::open(dir.file("magic.tokens")); });
  EXPECT_NE(err.find("magic.tokens"), std::string::npos) << err;
  bad = bytes;
  bad[8] = 99;  // version
  write_file(dir.file("version.tokens"), bad);
  err = error_of([&] { TokenCache::open(dir.file("version.tokens")); });
  EXPECT_NE(err.find("version"), std::string::npos) << err;
  EXPECT_NO_THROW(TokenCache::open(dir.file("c.tokens")));
}

Config small_config(const TempDir& dir, const std::vector<std::string>& corpus) {
  Config config;
  config.data.corpus = corpus;
  config.data.cache_dir = dir.file("cache");
  config.vocab.min_count = 2;
  return config;
}

size_t files_in(const std::string& d) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(d)) n += e.is_regular_file();
  return n;
}

TEST(TokenCache, PrepareCorpusBuildsThenReusesTheCache) {
  TempDir dir;
  write_file(dir.file("c.txt"), "the cat sat\nthe cat ran far\nthe end\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  config.vocab.save = dir.file("saved.vocab");
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(p.vocab.words(), (std::vector<std::string>{"the", "cat"}));
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 1, B, 0, 1, B, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 9u);
  EXPECT_EQ(p.tokens.words(), 5u);
  EXPECT_EQ(read_file(dir.file("saved.vocab")), "the 3\ncat 2\n");
  EXPECT_EQ(files_in(config.data.cache_dir), 2u);  // STEM.vocab and STEM.tokens
  std::string cached;
  for (const auto& e : fs::directory_iterator(config.data.cache_dir))
    if (e.path().extension() == ".tokens") cached = e.path().string();
  struct stat before;
  ASSERT_EQ(::stat(cached.c_str(), &before), 0);

  // Second run: a cache hit (the same file, not rebuilt), same result.
  PreparedCorpus again = prepare_corpus(config);
  EXPECT_EQ(tokens_of(again.tokens), tokens_of(p.tokens));
  EXPECT_EQ(again.vocab.words(), p.vocab.words());
  EXPECT_EQ(files_in(config.data.cache_dir), 2u);
  struct stat after;
  ASSERT_EQ(::stat(cached.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);

  // A different min_count is a different cache.
  config.vocab.min_count = 1;
  PreparedCorpus all = prepare_corpus(config);
  EXPECT_EQ(all.vocab.size(), 6u);
  EXPECT_EQ(files_in(config.data.cache_dir), 4u);

  // A changed corpus file is a different cache too.
  config.vocab.min_count = 2;
  write_file(dir.file("c.txt"), "dog dog dog bird\n");
  PreparedCorpus changed = prepare_corpus(config);
  EXPECT_EQ(changed.vocab.words(), (std::vector<std::string>{"dog"}));
  EXPECT_EQ(files_in(config.data.cache_dir), 6u);
}

TEST(TokenCache, FirstRunSinglePassMatchesBuildFromVocab) {
  // prepare_corpus counts and encodes in one pass, renumbering afterwards; the result must be
  // what build() makes from the finished vocab (OOV words dropped, empty sentences dropped).
  TempDir dir;
  std::mt19937 rng(21);
  std::string text;
  for (int line = 0; line < 4000; ++line) {
    int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      uint32_t r = rng() % 5000;
      text += "w" + std::to_string(r * r / 5000) + (i % 17 ? " " : "\xC3\xA9 ");  // skewed counts
    }
    text += line % 7 ? "\n" : "\r\n";
  }
  for (int i = 0; i < 3000; ++i) text += "oov" + std::to_string(i) + "\n";  // lines left empty
  write_xz(dir.file("c.xz"), text);
  Config config = small_config(dir, {dir.file("c.xz")});
  config.vocab.min_count = 3;
  config.data.max_sentence_length = 50;
  PreparedCorpus p = prepare_corpus(config);
  ASSERT_GT(p.vocab.size(), 100u);
  TokenCache::build({dir.file("c.xz")}, p.vocab, config.data, dir.file("ref.tokens"));
  TokenCache ref = TokenCache::open(dir.file("ref.tokens"));
  ASSERT_GT(ref.size(), size_t{1} << 18);  // more than one renumbering chunk
  EXPECT_LT(ref.words(), ref.raw_words());
  EXPECT_EQ(p.tokens.size(), ref.size());
  EXPECT_TRUE(tokens_of(p.tokens) == tokens_of(ref));
  EXPECT_EQ(p.tokens.words(), ref.words());
  EXPECT_EQ(p.tokens.raw_words(), ref.raw_words());
  auto counts = count_words({dir.file("c.xz")}, 50, 100);
  EXPECT_EQ(Vocab::from_counts(counts, 3, 0).words(), p.vocab.words());
}

// data.max_count_table: the single pass prunes as count_words (word2vec.c's ReduceVocab) does,
// so the vocab is the same, and the token file holds each vocab word exactly its count times
// (a pruned word's earlier occurrences are dropped, as its count dropped them) in corpus order.
TEST(TokenCache, SinglePassPrunesPastMaxCountTable) {
  TempDir dir;
  std::mt19937 rng(5);
  std::string text;
  for (int line = 0; line < 3000; ++line) {
    for (int i = 0; i < 40; ++i) {
      uint32_t r = rng() % 6000;
      text += "w" + std::to_string(r * r / 6000) + " ";
    }
    text += "\n";
  }
  write_file(dir.file("c.txt"), text);
  Config config = small_config(dir, {dir.file("c.txt")});
  config.vocab.min_count = 2;
  config.data.max_count_table = 1500;
  testing::internal::CaptureStderr();
  PreparedCorpus p = prepare_corpus(config);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warning: more than 1500 distinct words (data.max_count_table): pruned"), std::string::npos) << err;
  auto counts = count_words({dir.file("c.txt")}, config.data.max_sentence_length, config.data.max_token_bytes, 1500);
  const Vocab pruned = Vocab::from_counts(counts, 2, 0);
  ASSERT_GT(pruned.size(), 50u);
  EXPECT_EQ(p.vocab.words(), pruned.words());
  EXPECT_EQ(p.vocab.counts(), pruned.counts());
  std::vector<uint64_t> seen(p.vocab.size());
  for (uint32_t t : tokens_of(p.tokens))
    if (t != B) ++seen[t];
  EXPECT_EQ(seen, p.vocab.counts());
  // A subsequence of the full encoding with the same vocab.
  TokenCache::build({dir.file("c.txt")}, p.vocab, config.data, dir.file("ref.tokens"));
  const std::vector<uint32_t> ref = tokens_of(TokenCache::open(dir.file("ref.tokens")));
  size_t at = 0;
  for (uint32_t t : tokens_of(p.tokens)) {
    if (t == B) continue;
    while (at < ref.size() && ref[at] != t) ++at;
    ASSERT_LT(at, ref.size());
    ++at;
  }
  // Without a limit nothing is pruned.
  config.data.max_count_table = 0;
  PreparedCorpus full = prepare_corpus(config);  // max_count_table keys the cache: a new one
  EXPECT_EQ(full.vocab.words(), Vocab::from_counts(count_words({dir.file("c.txt")}, 1000, 100, 0), 2, 0).words());
  EXPECT_GT(full.vocab.size(), p.vocab.size());
}

// release() drops pages from the resident set only: the tokens read the same afterwards.
TEST(TokenCache, ReleaseKeepsTheContents) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "a b c d\n";
  write_file(dir.file("c.txt"), text);
  PreparedCorpus p = prepare_corpus(small_config(dir, {dir.file("c.txt")}));
  const std::vector<uint32_t> before = tokens_of(p.tokens);
  size_t released = 0;
  for (size_t end = 0; end <= p.tokens.size(); end += 3001) released = p.tokens.release(released, end);
  EXPECT_GT(released, 0u);
  EXPECT_LE(released, p.tokens.size());
  EXPECT_EQ(p.tokens.release(5, 6), 5u);  // no whole page inside: nothing released
  released = p.tokens.release(released, p.tokens.size());
  EXPECT_EQ(tokens_of(p.tokens), before);
}

TEST(TokenCache, CorruptCachedFileIsRebuilt) {
  TempDir dir;
  write_file(dir.file("c.txt"), "x y x\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  prepare_corpus(config);
  for (const auto& e : fs::directory_iterator(config.data.cache_dir))
    if (e.path().extension() == ".tokens") fs::resize_file(e.path(), 66);
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 0, B}));
}

TEST(TokenCache, ReadVocabIsUsedAndKeysTheCache) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b c a\n");
  write_file(dir.file("v.txt"), "c 10\nb 1\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  config.vocab.read = dir.file("v.txt");
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(p.vocab.words(), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{1, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 4u);
  write_file(dir.file("v.txt"), "a 10\nc 1\n");  // same size, new content
  PreparedCorpus q = prepare_corpus(config);
  EXPECT_EQ(tokens_of(q.tokens), (std::vector<uint32_t>{0, 1, 0, B}));
}

TEST(TokenCache, PrepareToPrefixAndLoadIt) {
  TempDir dir;
  write_file(dir.file("c.txt"), "u v u\nv u w\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  prepare_to_prefix(config, dir.file("out/prep"));
  EXPECT_EQ(read_file(dir.file("out/prep.vocab")), "u 3\nv 2\n");
  Config use;
  use.data.tokens = dir.file("out/prep");
  PreparedCorpus p = prepare_corpus(use);
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 1, 0, B, 1, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 6u);
  // A vocab that does not belong to the tokens is an error naming the file.
  write_file(dir.file("out/prep.vocab"), "u 3\nv 2\nw 1\n");
  std::string err = error_of([&] { prepare_corpus(use); });
  EXPECT_NE(err.find("prep.tokens: made with a vocab of 2 words"), std::string::npos) << err;
  write_file(dir.file("out/prep.vocab"), "u 3\nv 1\n");  // same size, other counts
  err = error_of([&] { prepare_corpus(use); });
  EXPECT_NE(err.find("prep.tokens"), std::string::npos) << err;
}

TEST(TokenCache, EmptyCorpusAndEmptyVocabAreErrors) {
  TempDir dir;
  write_file(dir.file("empty.txt"), "\n\n");
  std::string err = error_of([&] { prepare_corpus(small_config(dir, {dir.file("empty.txt")})); });
  EXPECT_NE(err.find("empty.txt"), std::string::npos) << err;
  write_file(dir.file("rare.txt"), "a b c\n");
  Config config = small_config(dir, {dir.file("rare.txt")});
  config.vocab.min_count = 5;
  err = error_of([&] { prepare_corpus(config); });
  EXPECT_NE(err.find("rare.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("lower vocab.min_count"), std::string::npos) << err;
  err = error_of([&] { prepare_corpus(small_config(dir, {dir.file("absent.txt")})); });
  EXPECT_NE(err.find("absent.txt"), std::string::npos) << err;
}

}  // namespace
}  // namespace gemmvec
