// gemmvec tests: `gemmvec prepare --zipf`, the synthetic corpus, at small scale (200,000 words
// over 5,000): byte for byte what prepare writes for the drawn text, counts that are the
// tokens', ranks that fall as the exponent says, the same bytes for a seed on any thread count,
// trainable from data.tokens, and one-line errors for bad arguments.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "data/token_cache.h"
#include "data/vocab.h"
#include "gemmvec/vectors_io.h"
#include "bad_input_fixture.h"

namespace gemmvec::test {
namespace {

class ZipfCorpus : public BadInput {
 public:
  // `gemmvec prepare --zipf SPEC --out PREFIX EXTRA...`, which must succeed.
  RunResult zipf(const std::string& spec, const std::string& prefix, std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"prepare", "--zipf", spec, "--out", prefix};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = gemmvec(args);
    EXPECT_EQ(r.code, kOk) << r.err;
    return r;
  }
  // The text a prepared corpus holds: its words by name, a line per sentence.
  std::string text_of(const std::string& prefix) const {
    const Vocab vocab = Vocab::load(file(prefix + ".vocab"));
    const TokenCache tokens = TokenCache::open(file(prefix + ".tokens"));
    std::string text;
    bool first = true;
    for (size_t i = 0; i < tokens.size(); ++i) {
      const uint32_t t = tokens.data()[i];
      if (t == kSentenceBreak) {
        text += '\n';
        first = true;
      } else {
        text += (first ? "" : " ") + vocab.word(t);
        first = false;
      }
    }
    return text;
  }
  void expect_same_files(const std::string& a, const std::string& b) const {
    for (const char* ext : {".vocab", ".tokens"}) {
      const std::string fa = read_file(file(a + ext)), fb = read_file(file(b + ext));
      EXPECT_FALSE(fa.empty()) << a << ext;
      EXPECT_TRUE(fa == fb) << a << ext << " and " << b << ext << " differ";
    }
  }
};

constexpr char kSpec[] = "200000:5000";

TEST_F(ZipfCorpus, WritesWhatPrepareWritesForItsText) {
  // Every drawn word kept (min_count 1): its text is the whole drawn corpus.
  zipf(kSpec, "all", {"--set", "vocab.min_count=1"});
  write_file(file("text.txt"), text_of("all"));
  ASSERT_EQ(gemmvec({"prepare", "text.txt", "--out", "p1", "--set", "vocab.min_count=1"}).code, kOk);
  expect_same_files("all", "p1");
  // At the default min_count 5 the rare words go from both, as prepare drops them, and a note says so.
  const RunResult r = zipf(kSpec, "z");
  EXPECT_NE(r.err.find("were drawn fewer than vocab.min_count (5) times and are left out"), std::string::npos) << r.err;
  ASSERT_EQ(gemmvec({"prepare", "text.txt", "--out", "p5"}).code, kOk);
  expect_same_files("z", "p5");
}

TEST_F(ZipfCorpus, CountsAreTheTokens) {
  zipf(kSpec, "z");
  const Vocab vocab = Vocab::load(file("z.vocab"));
  const TokenCache tokens = TokenCache::open(file("z.tokens"));
  std::vector<uint64_t> counts(vocab.size());
  uint64_t sentences = 0, longest = 0, length = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const uint32_t t = tokens.data()[i];
    if (t == kSentenceBreak) {
      ASSERT_GT(length, 0u) << "an empty sentence at " << i;
      ++sentences;
      longest = std::max(longest, length);
      length = 0;
    } else {
      ASSERT_LT(t, vocab.size());
      ++counts[t];
      ++length;
    }
  }
  for (uint32_t id = 0; id < vocab.size(); ++id) {
    ASSERT_EQ(counts[id], vocab.count(id)) << vocab.word(id);
    ASSERT_GE(vocab.count(id), 5u) << vocab.word(id);
    if (id > 0) ASSERT_LE(vocab.count(id), vocab.count(id - 1)) << "not sorted by count at " << vocab.word(id);
  }
  EXPECT_EQ(tokens.raw_words(), 200000u);
  EXPECT_EQ(tokens.words(), vocab.total());
  EXPECT_GT(vocab.size(), 3000u);  // most of the 5,000 ranks reach 5 draws
  EXPECT_LE(longest, 30u);
  EXPECT_NEAR(static_cast<double>(tokens.words()) / sentences, 20.0, 1.0);
}

TEST_F(ZipfCorpus, RankFrequencyFollowsTheExponent) {
  for (const double s : {1.0, 1.5}) {
    SCOPED_TRACE(s);
    const std::string prefix = "z" + std::to_string(s);
    zipf(std::string(kSpec) + ":" + std::to_string(s), prefix, {"--set", "vocab.min_count=1"});
    const Vocab vocab = Vocab::load(file(prefix + ".vocab"));
    std::vector<uint64_t> by_rank(5000);
    for (uint32_t id = 0; id < vocab.size(); ++id) by_rank.at(std::stoul(vocab.word(id).substr(1))) = vocab.count(id);
    // Least squares of log count on log rank, over the ranks expected 30 times or more.
    double norm = 0;
    for (int i = 1; i <= 5000; ++i) norm += std::pow(i, -s);
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int n = 0;
    for (int r = 0; 200000 * std::pow(r + 1, -s) / norm >= 30; ++r, ++n) {
      ASSERT_GT(by_rank[r], 0u) << r;
      const double x = std::log(r + 1.0), y = std::log(static_cast<double>(by_rank[r]));
      sx += x, sy += y, sxx += x * x, sxy += x * y;
    }
    ASSERT_GE(n, 100);
    const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    EXPECT_NEAR(-slope, s, 0.1) << "over the first " << n << " ranks";
  }
}

TEST_F(ZipfCorpus, SameSeedSameBytesOnAnyThreadCount) {
  // 600,000 words are ten chunks: several rounds of them at one and two threads, one at three.
  zipf("600000:5000", "t1", {"--threads", "1"});
  zipf("600000:5000", "t2", {"--threads", "2"});
  zipf("600000:5000", "t3", {"--threads", "3", "--seed", "1"});
  expect_same_files("t1", "t2");
  expect_same_files("t1", "t3");
  zipf("600000:5000", "seed2", {"--seed", "2"});
  EXPECT_NE(read_file(file("t1.tokens")), read_file(file("seed2.tokens")));
}

TEST_F(ZipfCorpus, TrainsFromDataTokens) {
  zipf(kSpec, "z");
  const uint32_t words = Vocab::load(file("z.vocab")).size();
  for (const char* backend : {"cpu", "cuda-host"}) {
    SCOPED_TRACE(backend);
    write_file(file("zipf.yaml"), std::string("data: {tokens: z}\nmodel: {dim: 8, window: 2, negative: 2}\n"
                                              "train: {epochs: 1, threads: 1, backend: ") + backend +
                                      "}\noutput: {path: out.bin}\n");
    const RunResult r = gemmvec({"train", "zipf.yaml", "--quiet"});
    ASSERT_EQ(r.code, kOk) << r.err;
    EXPECT_EQ(load_word2vec(file("out.bin")).words.size(), words);
  }
}

TEST_F(ZipfCorpus, BadArgumentsAreOneLineErrors) {
  write_file(file("corpus.txt"), sentences(10));
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--zipf", "1000"}, "--zipf '1000': no VOCAB (expected TOKENS:VOCAB[:EXPONENT]"},
      {{"--zipf", "0:10"}, "TOKENS must be a whole number > 0"},
      {{"--zipf", "many:10"}, "TOKENS must be a whole number > 0"},
      {{"--zipf", "1000:0"}, "VOCAB must be a whole number from 1 to 4294967293"},
      {{"--zipf", "1000:4294967294"}, "VOCAB must be a whole number from 1 to 4294967293"},
      {{"--zipf", "1000:10:0"}, "EXPONENT must be a number > 0"},
      {{"--zipf", "1000:10:-1"}, "EXPONENT must be a number > 0"},
      {{"--zipf", "1000:10:"}, "EXPONENT must be a number > 0"},
      {{"--zipf", "1000:10:1:2"}, "EXPONENT must be a number > 0"},
      {{"--zipf", "1000:10", "--seed", "x"}, "--seed expects a non-negative integer"},
      {{"--zipf", "1000:10", "--threads", "-2"}, "--threads expects a non-negative integer"},
      {{"--zipf", "1000:10", "corpus.txt"}, "give it or corpus files (data.corpus), not both"},
      {{"--zipf", "1000:10", "--set", "data.corpus=[corpus.txt]"}, "give it or corpus files (data.corpus), not both"},
      {{"corpus.txt", "--seed", "3"}, "--seed and --threads are for --zipf"},
      {{"--zipf", "10:100000"}, "no word of 100000 is drawn 5 times in 10 words"},
      {{"--zipf", "1000:10", "--set", "vocab.min_cont=2"}, "vocab.min_count"},
  };
  for (const auto& [args, needle] : cases) {
    std::vector<std::string> argv{"prepare", "--out", "z"};
    argv.insert(argv.end(), args.begin(), args.end());
    SCOPED_TRACE(args[0] + " " + args[1]);
    expect_error(*this, gemmvec(argv), kUsage, {needle});
    EXPECT_FALSE(fs::exists(file("z.tokens")));
    EXPECT_FALSE(fs::exists(file("z.vocab")));
  }
  expect_error(*this, gemmvec({"prepare", "--zipf", "1000:10"}), kUsage, {"prepare needs --out PREFIX"});
}

}  // namespace
}  // namespace gemmvec::test
