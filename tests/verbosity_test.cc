// gemmvec tests: what `gemmvec train` prints on stderr: a start line, the progress and what it
// wrote by default; the resolved config too with -v; nothing but warnings with --quiet. Both
// the config form and word2vec.c's flags, through the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "run_gemmvec.h"
#include "test_files.h"
#include "tiny_run.h"

namespace gemmvec {
namespace {

class Verbosity : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_.file("corpus.txt"), test::sentences(200));
    test::write_file(dir_.file("run.yaml"), test::kTinyRunConfig);
  }
  test::RunResult gemmvec(const std::vector<std::string>& args) { return test::run_gemmvec(dir_.path().string(), args); }
  static std::vector<std::string> word2vec(const std::string& flag) {
    std::vector<std::string> args{"-train", "corpus.txt", "-output", "w.txt", "-min-count", "1", "-size", "8",
                                  "-iter", "1", "-threads", "1", "--set", "data.cache_dir=cache"};
    if (!flag.empty()) args.push_back(flag);
    return args;
  }
  test::TempDir dir_;
};

const char kConfigDump[] = "resolved config";

TEST_F(Verbosity, PlainTrainPrintsAStartLineProgressAndResultsButNoConfig) {
  for (const auto& args : {std::vector<std::string>{"train", "run.yaml"}, word2vec("")}) {
    const test::RunResult r = gemmvec(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err.find(kConfigDump), std::string::npos) << r.err;
    // The start line comes first, before anything is read; the cache's details only with -v.
    EXPECT_NE(r.err.substr(0, r.err.find('\n')).find(" dim 8, loss neg, epochs 1: corpus.txt -> "), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("gemmvec: encoded "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("epoch 1/1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("gemmvec: wrote "), std::string::npos) << r.err;
  }
}

TEST_F(Verbosity, VerbosePrintsTheResolvedConfig) {
  for (const auto& args : {std::vector<std::string>{"train", "run.yaml", "-v"}, word2vec("--verbose")}) {
    const test::RunResult r = gemmvec(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find(kConfigDump), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("epoch 1/1"), std::string::npos) << r.err;
  }
  // The cache folder now holds this corpus: a fresh one, so the verbose run encodes it again.
  std::filesystem::remove_all(dir_.file("cache"));
  EXPECT_NE(gemmvec({"train", "run.yaml", "-v"}).err.find("gemmvec: encoded "), std::string::npos);
}

TEST_F(Verbosity, QuietPrintsNothingOnStderr) {
  for (const auto& args : {std::vector<std::string>{"train", "run.yaml", "--quiet"}, word2vec("--quiet")}) {
    const test::RunResult r = gemmvec(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.err, "");
  }
}

TEST_F(Verbosity, QuietAndVerboseTogetherAreAUsageError) {
  const test::RunResult r = gemmvec({"train", "run.yaml", "--quiet", "-v"});
  EXPECT_EQ(r.code, 2) << r.err;
}

}  // namespace
}  // namespace gemmvec
