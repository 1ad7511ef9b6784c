// gemmvec tests: bad input as users meet it, through the gemmvec binary. A file missing, a
// directory, unreadable, empty, truncated or corrupt, a bad config, a model too large for
// memory, a full disk: one line on stderr ("gemmvec: " what, the file or key, the fix), the
// exit code of docs/errors.md, no crash, no partial output. Odd but usable text (CRLF, NUL
// bytes, invalid UTF-8, a 1 GB line, a 100 KB token) trains, with a warning that counts what
// was changed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "gemmvec/config.h"
#include "base/memory_budget.h"
#include "gemmvec/vectors_io.h"
#include "bad_input_fixture.h"

namespace gemmvec::test {
namespace {

bool has_word(const WordVectors& v, const std::string& w) {
  return std::find(v.words.begin(), v.words.end(), w) != v.words.end();
}

// ---- files that are not there or cannot be read -----------------------------------------

TEST_F(BadInput, MissingCorpus) {
  expect_error(*this, train({"data.corpus=[nope.txt]"}), kBadInput,
               {"nope.txt: no such file", "check data.corpus in the config or the path given"});
  expect_error(*this, gemmvec({"prepare", "nope.txt", "--out", "p"}), kBadInput, {"nope.txt: no such file"});
  expect_error(*this, gemmvec({"-train", "nope.txt", "-output", "out.txt", "--quiet"}), kBadInput,
               {"nope.txt: no such file"});
  expect_error(*this, gemmvec({"train", "nope.yaml"}), kBadInput, {"nope.yaml: no such file", "check the path"});
}

TEST_F(BadInput, DirectoryInsteadOfFile) {
  fs::create_directories(file("texts"));
  expect_error(*this, train({"data.corpus=[texts]"}), kBadInput, {"texts: is a directory, not a file", "data.corpus"});
  expect_error(*this, gemmvec({"eval", "texts", "--similarity", "texts"}), kBadInput, {"texts: is a directory"});
}

TEST_F(BadInput, UnreadableFile) {
  write_file(file("corpus.txt"), sentences(10));
  ASSERT_EQ(::chmod(file("corpus.txt").c_str(), 0), 0);
  RunOptions opt;
  if (::geteuid() == 0) {
    // Root reads any file: run gemmvec as nobody, for whom the file is unreadable.
    opt.uid = 65534;
    ::chmod(dir_.path().c_str(), 0755);
  }
  const RunResult r = train({}, opt);
  if (r.code == kSetupFailed) GTEST_SKIP() << "cannot run gemmvec as an unprivileged user here, and root reads any file";
  expect_error(*this, r, kBadInput, {"corpus.txt: permission denied", "chmod a+r"});
}

// ---- text with no words, or odd but usable text ------------------------------------------

TEST_F(BadInput, EmptyFile) {
  write_file(file("corpus.txt"), "");
  expect_error(*this, train({}), kBadInput, {"corpus.txt: the corpus has no words", "check data.corpus"});
}

TEST_F(BadInput, OnlyWhitespace) {
  write_file(file("corpus.txt"), "  \t\n\n \v\f \n\t");
  expect_error(*this, train({}), kBadInput, {"corpus.txt: the corpus has no words", "check data.corpus"});
}

TEST_F(BadInput, VocabularyEmptyAfterMinCount) {
  write_file(file("corpus.txt"), sentences(10));
  expect_error(*this, train({"vocab.min_count=1000"}), kBadInput,
               {"corpus.txt: no word occurs 1000 times in its 60 words", "lower vocab.min_count"});
}

TEST_F(BadInput, InvalidUtf8IsKeptAndCounted) {
  // Latin-1, a stray continuation byte, a cut sequence, an overlong '/', a surrogate: 5 tokens,
  // each 4 times; valid multi-byte words are not counted.
  const std::string bad = "caf\xe9 \x80x ok\xc3 \xc0\xaf \xed\xa0\x80";
  std::string text = sentences(20);
  for (int i = 0; i < 4; ++i) text += "the caf\xc3\xa9 \xe2\x82\xac " + bad + " na\xc3\xafve\n";
  write_file(file("corpus.txt"), text);
  const RunResult r = train({});
  expect_trained_with_warning(*this, r, {"20 tokens not valid UTF-8 (kept as bytes)"});
  const WordVectors v = load_word2vec(file("out.bin"));
  EXPECT_TRUE(has_word(v, "caf\xe9"));
  EXPECT_TRUE(has_word(v, "caf\xc3\xa9"));
}

TEST_F(BadInput, NulBytesAreSpaces) {
  std::string text = sentences(20);
  for (int i = 0; i < 5; ++i) text += std::string("the\0cat sat\0\0on the mat\n", 24);
  write_file(file("corpus.txt"), text);
  const RunResult r = train({});
  expect_trained_with_warning(*this, r, {"15 NUL bytes read as spaces"});
  const WordVectors v = load_word2vec(file("out.bin"));
  EXPECT_TRUE(has_word(v, "cat"));
  for (const std::string& w : v.words) EXPECT_EQ(w.find('\0'), std::string::npos);
}

TEST_F(BadInput, CrlfLineEnds) {
  std::string text;
  for (char c : sentences(30)) text += c == '\n' ? std::string("\r\n") : std::string(1, c);
  write_file(file("corpus.txt"), text);
  const RunResult r = train({});
  expect_trained_with_warning(*this, r, {"30 carriage returns (CRLF line ends) read as spaces"});
  const WordVectors v = load_word2vec(file("out.bin"));
  EXPECT_EQ(v.words.size(), 10u);  // "mat", never "mat\r"
  for (const std::string& w : v.words) EXPECT_EQ(w.find('\r'), std::string::npos);
}

TEST_F(BadInput, HundredKilobyteToken) {
  write_file(file("corpus.txt"), sentences(20) + "the " + std::string(100 << 10, 'x') + " cat\n");
  const RunResult r = train({});
  expect_trained_with_warning(*this, r, {"1 token longer than 100 bytes cut (data.max_token_bytes)"});
  EXPECT_TRUE(has_word(load_word2vec(file("out.bin")), std::string(100, 'x')));
}

// A writer thread streams a 1 GiB line with no newline into a FIFO: 1024 blocks, each three
// words and a 1 MiB run of 'z' (one token, cut to 100 bytes). Nothing is held or stored whole.
TEST_F(BadInput, GigabyteLineFromFifo) {
  const std::string fifo = file("corpus.txt");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  constexpr int kBlocks = 1024;
  const std::string block = "alpha beta gamma " + std::string((size_t{1} << 20) - 18, 'z') + " ";
  FifoWriter writer(fifo, block, kBlocks);
  Child child(dir_.path().string(), {"train", "train.yaml", "--quiet"});
  const RunResult r = child.wait();
  EXPECT_EQ(writer.finish(), uint64_t{kBlocks} * block.size());
  EXPECT_LT(r.max_rss_kb, 300 << 10) << "the line was held in memory";
  expect_trained_with_warning(*this, r,
                              {"1024 tokens longer than 100 bytes cut", "1 line longer than 1000 tokens split"});
  const WordVectors v = load_word2vec(file("out.bin"));
  EXPECT_EQ(v.words.size(), 4u);
  EXPECT_TRUE(has_word(v, std::string(100, 'z')));
}

// ---- compressed text cut short ------------------------------------------------------------

TEST_F(BadInput, TruncatedGzip) {
  write_gz(file("c.txt.gz"), sentences(3000));
  const std::string gz = read_file(file("c.txt.gz"));
  write_file(file("c.txt.gz"), gz.substr(0, gz.size() / 2));
  expect_error(*this, train({"data.corpus=[c.txt.gz]"}), kBadInput,
               {"c.txt.gz: truncated gzip stream", "re-download or re-compress"});
}

TEST_F(BadInput, TruncatedXz) {
  write_xz(file("c.txt.xz"), sentences(3000));
  const std::string xz = read_file(file("c.txt.xz"));
  write_file(file("c.txt.xz"), xz.substr(0, xz.size() / 2));
  expect_error(*this, train({"data.corpus=[c.txt.xz]"}), kBadInput,
               {"c.txt.xz: truncated xz stream", "re-download or re-compress"});
}

// ---- prepared corpora, vocab files and vectors cut short or corrupt ----------------------

TEST_F(BadInput, TruncatedTokenCache) {
  prepare("p");
  const std::string tokens = read_file(file("p.tokens"));
  write_file(file("p.tokens"), tokens.substr(0, tokens.size() - 6));
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.tokens: truncated or corrupt token cache", "run gemmvec prepare again"});
  write_file(file("p.tokens"), tokens.substr(0, 20));
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.tokens: truncated token cache", "run gemmvec prepare again"});
}

TEST_F(BadInput, CorruptTokenCache) {
  prepare("p");
  const std::string tokens = read_file(file("p.tokens"));
  std::string bad = tokens;
  const uint32_t id = 0x00ABCDEF;  // far past the vocab: would index past the matrices
  std::memcpy(&bad[64 + 4 * 3], &id, 4);
  write_file(file("p.tokens"), bad);
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.tokens: corrupt token cache (token 3 is id 11259375", "run gemmvec prepare again"});
  bad = tokens;
  bad[1] = '?';
  write_file(file("p.tokens"), bad);
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.tokens: not a gemmvec token cache", "run gemmvec prepare again"});
}

TEST_F(BadInput, TruncatedVocabFile) {
  prepare("p");
  const std::string vocab = read_file(file("p.vocab"));
  write_file(file("p.vocab"), vocab.substr(0, vocab.find('\n') + 2));  // the second line cut in its word
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.vocab:2: no count after the word", "run gemmvec prepare again"});
  write_file(file("p.vocab"), vocab.substr(0, vocab.find('\n') + 1));  // cut at a line end
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.tokens: made with a vocab of 10 words, but p.vocab has 1", "run gemmvec prepare again"});
}

TEST_F(BadInput, CorruptVocabFile) {
  prepare("p");
  std::string vocab = read_file(file("p.vocab"));
  write_file(file("p.vocab"), "the 12x\n" + vocab);
  expect_error(*this, train({"data.corpus=[]", "data.tokens=p"}), kBadInput,
               {"p.vocab:1: bad count '12x'", "run gemmvec prepare again"});
  write_file(file("corpus.txt"), sentences(10));
  write_file(file("w.vocab"), "the 5\ncat 3\nthe 2\n");
  expect_error(*this, train({"vocab.read=w.vocab"}), kBadInput, {"w.vocab:3: duplicate word 'the'", "check vocab.read"});
}

WordVectors small_vectors() {
  WordVectors v;
  v.dim = 4;
  for (int i = 0; i < 6; ++i) {
    v.words.push_back("word" + std::to_string(i));
    for (int j = 0; j < 4; ++j) v.data.push_back(0.25f * static_cast<float>(i - j));
  }
  return v;
}

// eval and similar on a vectors file: each fails with the same one line.
void expect_vectors_error(BadInput& t, const std::string& name, const std::vector<std::string>& needles) {
  write_file(t.file("pairs.txt"), "word0 word1 5\nword2 word3 1\n");
  expect_error(t, run_gemmvec(t.file(""), {"eval", name, "--similarity", "pairs.txt"}), kBadInput, needles);
  expect_error(t, run_gemmvec(t.file(""), {"similar", name, "word1"}), kBadInput, needles);
}

TEST_F(BadInput, TruncatedOrCorruptBinaryVectors) {
  save_word2vec_binary(file("v.bin"), small_vectors());
  const std::string bytes = read_file(file("v.bin"));
  write_file(file("v.bin"), bytes.substr(0, bytes.size() - 10));
  expect_vectors_error(*this, "v.bin", {"v.bin: truncated at row 6 of 6", "write it again"});
  write_file(file("v.bin"), "6 4\n" + std::string(64, '\xff'));
  expect_vectors_error(*this, "v.bin", {"v.bin: ", "write it again"});
  write_file(file("v.bin"), "six four\n" + bytes.substr(4));
  expect_vectors_error(*this, "v.bin", {"v.bin: bad header 'six four'", "write it again"});
}

TEST_F(BadInput, TruncatedOrCorruptTextVectors) {
  save_word2vec_text(file("v.txt"), small_vectors());
  const std::string text = read_file(file("v.txt"));
  write_file(file("v.txt"), text.substr(0, text.rfind("word5")));
  expect_vectors_error(*this, "v.txt", {"v.txt: truncated at row 6 of 6", "write it again"});
  std::string bad = text;
  bad.replace(bad.find("word3 ") + 6, 1, "x");
  write_file(file("v.txt"), bad);
  expect_vectors_error(*this, "v.txt", {"v.txt: line 5 (row 4, 'word3'): a value is not a number", "write it again"});
}

// ---- configs --------------------------------------------------------------------------------

TEST_F(BadInput, ConfigWrongTypes) {
  write_file(file("corpus.txt"), sentences(10));
  expect_error(*this, train({"model.dim=abc"}), kUsage, {"model.dim: expected a non-negative integer, got 'abc'"});
  expect_error(*this, train({"train.deterministic=maybe"}), kUsage,
               {"train.deterministic: expected a boolean (true or false), got 'maybe'"});
  write_file(file("bad.yaml"), "model:\n  dim: [8, 16]\n");
  expect_error(*this, gemmvec({"train", "bad.yaml"}), kUsage, {"bad.yaml:2: model.dim: expected a non-negative integer, got a list"});
  write_file(file("bad.yaml"), "model: 8\n");
  expect_error(*this, gemmvec({"train", "bad.yaml"}), kUsage, {"bad.yaml:1: section 'model' must hold 'key: value' lines"});
}

TEST_F(BadInput, ConfigUnknownKeys) {
  write_file(file("corpus.txt"), sentences(10));
  expect_error(*this, train({"model.dimm=8"}), kUsage, {"unknown key 'model.dimm' (did you mean 'model.dim'?)"});
  write_file(file("bad.yaml"), "modle:\n  dim: 8\n");
  expect_error(*this, gemmvec({"train", "bad.yaml"}), kUsage, {"bad.yaml:2: unknown key 'modle.dim' (did you mean 'model.dim'?)"});
  write_file(file("bad.yaml"), "vocab:\n  min_count: 1\n  mincount: 2\n");
  expect_error(*this, gemmvec({"train", "bad.yaml"}), kUsage, {"bad.yaml:3: unknown key 'vocab.mincount' (did you mean 'vocab.min_count'?)"});
}

TEST_F(BadInput, ConfigNegativeOrZeroSizes) {
  write_file(file("corpus.txt"), sentences(10));
  expect_error(*this, train({"model.dim=0"}), kUsage, {"model.dim = 0 is out of range: expected 1..10000"});
  expect_error(*this, train({"model.dim=-8"}), kUsage, {"model.dim: expected a non-negative integer, got '-8'"});
  expect_error(*this, train({"model.window=0"}), kUsage, {"model.window = 0 is out of range"});
  expect_error(*this, train({"train.epochs=0"}), kUsage, {"train.epochs = 0 is out of range: expected >= 1"});
  expect_error(*this, train({"vocab.max_size=-1"}), kUsage, {"vocab.max_size: expected a non-negative integer"});
  expect_error(*this, train({"data.max_sentence_length=0"}), kUsage, {"data.max_sentence_length = 0 is out of range"});
  expect_error(*this, train({"model.sample=-0.5"}), kUsage, {"model.sample = -0.5 is out of range: expected 0..1"});
}

// ---- out of resources -----------------------------------------------------------------------

TEST(MemoryBudget, CountsBothMatricesAndTheTablesAndCatchesOverflow) {
  EXPECT_EQ(training_bytes(1000, 100), 1000u * 100u * 8u + 1000u * 12u);
  EXPECT_EQ(training_bytes(uint64_t{1} << 40, uint64_t{1} << 30), UINT64_MAX);
  EXPECT_NO_THROW(check_memory_budget(1000, 100, 1u << 30));
  try {
    check_memory_budget(3'000'000, 10000, uint64_t{1} << 30);
    ADD_FAILURE() << "no ResourceError";
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("model.dim 10000 x vocab 3000000 words needs 240036000000 bytes"),
              std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lower model.dim"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_memory_budget(UINT64_MAX / 2, UINT64_MAX / 2, UINT64_MAX - 1), ResourceError);
  // A vocab no machine holds at the largest dim, against this machine's real limit.
  EXPECT_THROW(check_memory_budget(4'000'000'000, 10000), ResourceError);
  EXPECT_GT(available_memory_bytes(), uint64_t{64} << 20);
}

TEST_F(BadInput, DimOrVocabTooLargeForMemory) {
  // Sizes past any range are config errors, before anything is read.
  expect_error(*this, train({"model.dim=99999999999999999999999"}), kUsage, {"model.dim = 99999999999999999999999 is out of range"});
  expect_error(*this, gemmvec({"-train", "corpus.txt", "-output", "out.bin", "-size", "1e30"}), kUsage, {"-size: model.dim"});
#ifdef GEMMVEC_SANITIZED
  GTEST_SKIP() << "a sanitizer reserves terabytes of address space: no RLIMIT_AS child under it";
#else
  // 20,000 words at dim 10,000 need 1.6 GB; the child may use 1 GiB of address space.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "w" + std::to_string(i) + (i % 20 == 19 ? "\n" : " ");
  write_file(file("corpus.txt"), text);
  RunOptions opt;
  opt.address_space = uint64_t{1} << 30;
  const RunResult r = train({"model.dim=10000"}, opt);
  expect_error(*this, r, kResource,
               {"not enough memory: model.dim 10000 x vocab 20000 words needs 1600240000 bytes", "1073741824 bytes",
                "lower model.dim, or shrink the vocab with vocab.max_size or a higher vocab.min_count"},
               Lines::kLast);
#endif
}

TEST_F(BadInput, DiskFullWritingVectors) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write_file(file("corpus.txt"), sentences(20));
  point_at_dev_full(file("out.bin"));
  expect_error(*this, train({}), kResource, {"no space left on device writing out.bin (free space or write elsewhere)"},
               Lines::kLast);
  expect_still_dev_full(file("out.bin"));
  // The output itself, not through a link: the same line, naming it.
  expect_error(*this, train({"output.path=/dev/full"}), kResource,
               {"no space left on device writing /dev/full (free space or write elsewhere)"}, Lines::kLast);
}

TEST_F(BadInput, DiskFullWritingVocab) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write_file(file("corpus.txt"), sentences(20));
  point_at_dev_full(file("p.vocab"));
  expect_error(*this, gemmvec({"prepare", "corpus.txt", "--out", "p"}), kResource,
               {"no space left on device writing p.vocab (free space or write elsewhere)"}, Lines::kLast);
  expect_still_dev_full(file("p.vocab"));
  EXPECT_FALSE(fs::exists(file("p.tokens")));
}

TEST_F(BadInput, DiskFullWritingTokenCache) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write_file(file("corpus.txt"), sentences(20));
  point_at_dev_full(file("p.tokens"));
  expect_error(*this, gemmvec({"prepare", "corpus.txt", "--out", "p"}), kResource,
               {"no space left on device writing p.tokens (free space or write elsewhere)"}, Lines::kLast);
  // p.tokens never became a regular file. (p.vocab is there: a token file is copied into a
  // device only once it is whole, and the vocab is saved before it, as always.)
  expect_still_dev_full(file("p.tokens"));
}

// SIGKILL at a random moment while the vectors are written over a good file: the file is then
// the old one or the new one, whole, never a torn mix.
TEST_F(BadInput, KilledWhileWritingLeavesAWholeFile) {
  std::string text;
  for (int i = 0; i < 12000; ++i) text += "w" + std::to_string(i % 6000) + (i % 12 == 11 ? "\n" : " ");
  write_file(file("corpus.txt"), text);
  const std::vector<std::string> args{"train", "train.yaml", "--quiet", "--set", "model.dim=200", "--set",
                                      "output.format=txt", "--set", "output.path=out.txt"};
  ASSERT_EQ(run_gemmvec(dir_.path().string(), args).code, kOk);
  const std::string good = read_file(file("out.txt"));
  std::mt19937 rng(12345);
  int killed_mid_write = 0;  // killed with the temporary half written: the case that matters
  for (int round = 0; round < 3; ++round) {
    Child child(dir_.path().string(), args);
    // The write phase starts when out.txt's temporary appears; kill within the next few milliseconds.
    while (temporaries("out.txt").empty() && !child.done()) std::this_thread::sleep_for(std::chrono::microseconds(200));
    // Round 0 kills as soon as the temporary is seen: its 12 MB of text take far longer than the
    // 200 us poll, so at least one kill lands mid-write whatever the machine's speed.
    const int delay_us = round == 0 ? 0 : std::uniform_int_distribution<int>(0, 20000)(rng);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    if (!child.done()) ::kill(child.pid(), SIGKILL);
    const RunResult r = child.wait();
    if (r.signal == SIGKILL && !temporaries("out.txt").empty()) ++killed_mid_write;
    EXPECT_TRUE(r.signal == SIGKILL || r.code == kOk) << r.err;
    const std::string now = read_file(file("out.txt"));
    if (now != good) {
      const WordVectors v = load_word2vec(file("out.txt"));  // a new file: whole
      EXPECT_EQ(v.words.size(), 6000u);
      EXPECT_EQ(v.dim, 200u);
    }
    for (const std::string& tmp : temporaries("out.txt")) std::remove(tmp.c_str());
  }
  EXPECT_GT(killed_mid_write, 0);
}

}  // namespace
}  // namespace gemmvec::test
