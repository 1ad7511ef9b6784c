// gemmvec tests: SIGINT or SIGTERM while a run scores its vectors (after they are written) stops
// the scoring within a block: exit 130 or 143, the vectors whole, OUT.json saying the scores
// were interrupted. Through the real binary, the signal sent when it says scoring started.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "gemmvec/vectors_io.h"
#include "run_gemmvec.h"
#include "test_files.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string kBundledCorpus = std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz";

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Runs a scoring run, signals it when it starts scoring, checks what it left.
void expect_signal_stops_scoring(int sig) {
  test::TempDir dir;
  const std::string text = test::corpus_head(kBundledCorpus, 4000);
  if (text.empty()) GTEST_SKIP() << "cannot read the bundled corpus";
  test::write_file(dir.file("corpus.txt"), text);
  // The held-out text scored by the full softmax over every word (min_count 1): about a
  // minute of scoring uninterrupted, a block of 256 pairs a few tens of milliseconds.
  test::write_file(dir.file("run.yaml"),
                   "data: {corpus: [corpus.txt], cache_dir: cache}\n"
                   "vocab: {min_count: 1}\n"
                   "model: {dim: 32}\n"
                   "train: {epochs: 1, threads: 1, backend: cpu}\n"
                   "output: {path: out.bin}\n"
                   "eval: {heldout: [corpus.txt], heldout_pairs: 200000}\n");
  test::Child child(dir.path().string(), {"train", "run.yaml"});
  const auto started = Clock::now();
  while (!child.done() && test::read_file(dir.file(".run.err")).find("gemmvec: scoring the vectors") == std::string::npos &&
         seconds_since(started) < 300)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_FALSE(child.done()) << "the run ended before it said it was scoring: " << child.wait().err;
  const auto signalled = Clock::now();
  ::kill(child.pid(), sig);
  while (!child.done() && seconds_since(signalled) < 30) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const double stop_seconds = seconds_since(signalled);
  if (!child.done()) ::kill(child.pid(), SIGKILL);
  const test::RunResult r = child.wait();

  ASSERT_EQ(r.code, 128 + sig) << r.err;
  EXPECT_LT(stop_seconds, 3.0) << "the scoring took " << stop_seconds << " s to stop";
  EXPECT_NE(r.err.find("stopped by signal " + std::to_string(sig) + " while scoring"), std::string::npos) << r.err;
  const WordVectors v = load_word2vec(dir.file("out.bin"));
  EXPECT_EQ(v.dim, 32u);
  EXPECT_GT(v.words.size(), 1000u);
  EXPECT_EQ(v.data.size(), v.words.size() * v.dim);
  const auto report = nlohmann::json::parse(test::read_file(dir.file("out.bin.json")));
  ASSERT_TRUE(report["scores"].contains("interrupted")) << report.dump(2);
  EXPECT_FALSE(report["scores"].contains("log_likelihood"));
  EXPECT_FALSE(fs::exists(dir.file("out.bin.ckpt"))) << "the vectors are written: the checkpoint goes";
}

TEST(ScoringSignal, SigintWhileScoringKeepsTheVectorsAndSaysSo) { expect_signal_stops_scoring(SIGINT); }
TEST(ScoringSignal, SigtermWhileScoringKeepsTheVectorsAndSaysSo) { expect_signal_stops_scoring(SIGTERM); }

}  // namespace
}  // namespace gemmvec
