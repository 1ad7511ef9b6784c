// gemmvec tests: checkpoints: the file format and its damage, periodic checkpoints that change
// nothing, and a real run interrupted by a signal and resumed to byte-identical vectors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"
#include "gemmvec/trainer.h"
#include "checkpoint_runs.h"
#include "run_gemmvec.h"
#include "test_files.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

const std::string kBundledCorpus = std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz";

Checkpoint small_checkpoint() {
  Checkpoint c;
  c.config_yaml = "model:\n  dim: 3\n";
  c.backend = "cpu";
  c.cursor = {2, {17, 4096}};
  c.words_done = 123456;
  c.loss_sum = 42.5;
  c.loss_pairs = 99;
  c.train_seconds = 1.25;
  c.stream_tokens = 5000;
  c.stream_words = 4900;
  c.vocab_hash = 0x0123456789abcdefull;
  c.model.rows = 5;
  c.model.dim = 3;
  for (int i = 0; i < 15; ++i) {
    c.model.in.push_back(0.5f * static_cast<float>(i) - 3.0f);
    c.model.out.push_back(-0.25f * static_cast<float>(i));
  }
  return c;
}

TEST(Checkpoint, RoundTripsEveryField) {
  test::TempDir dir;
  const std::string path = dir.file("a.ckpt");
  const Checkpoint c = small_checkpoint();
  save_checkpoint(path, c);
  EXPECT_EQ(test::temporaries_of(path), std::vector<std::string>{});
  const Checkpoint r = load_checkpoint(path);
  EXPECT_EQ(r.config_yaml, c.config_yaml);
  EXPECT_EQ(r.backend, c.backend);
  EXPECT_EQ(r.cursor.epoch, c.cursor.epoch);
  EXPECT_EQ(r.cursor.shards, c.cursor.shards);
  EXPECT_EQ(r.words_done, c.words_done);
  EXPECT_EQ(r.loss_sum, c.loss_sum);
  EXPECT_EQ(r.loss_pairs, c.loss_pairs);
  EXPECT_EQ(r.train_seconds, c.train_seconds);
  EXPECT_EQ(r.stream_tokens, c.stream_tokens);
  EXPECT_EQ(r.stream_words, c.stream_words);
  EXPECT_EQ(r.vocab_hash, c.vocab_hash);
  EXPECT_EQ(r.model.rows, c.model.rows);
  EXPECT_EQ(r.model.dim, c.model.dim);
  EXPECT_EQ(r.model.in, c.model.in);
  EXPECT_EQ(r.model.out, c.model.out);
}

// Every truncation and every flipped byte is refused with one line naming the file.
TEST(Checkpoint, TruncatedOrCorruptFilesAreRefused) {
  test::TempDir dir;
  const std::string path = dir.file("a.ckpt"), bad = dir.file("bad.ckpt");
  save_checkpoint(path, small_checkpoint());
  const std::string bytes = test::read_file(path);
  for (size_t n = 0; n < bytes.size(); ++n) {
    test::write_file(bad, bytes.substr(0, n));
    const std::string e = test::error_of([&] { load_checkpoint(bad); });
    ASSERT_NE(e.find(bad), std::string::npos) << "cut at " << n << ": " << e;
    ASSERT_EQ(e.find('\n'), std::string::npos) << e;
  }
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    test::write_file(bad, flipped);
    const std::string e = test::error_of([&] { load_checkpoint(bad); });
    ASSERT_NE(e.find(bad), std::string::npos) << "byte " << i << ": " << e;
  }
  test::write_file(bad, bytes + "x");
  EXPECT_NE(test::error_of([&] { load_checkpoint(bad); }).find("does not match the file"), std::string::npos);
  EXPECT_NE(test::error_of([&] { load_checkpoint(dir.file("missing.ckpt")); }).find("--resume"),
            std::string::npos);
  EXPECT_NE(test::error_of([&] { load_checkpoint(dir.path().string()); }).find(dir.path().string()), std::string::npos);
}

// A checkpoint of another format version (the 4 bytes after the 8-byte magic) is refused with
// the documented line, before anything else of it is read.
TEST(Checkpoint, AnotherVersionIsRefusedNamingBoth) {
  test::TempDir dir;
  const std::string path = dir.file("old.ckpt");
  save_checkpoint(path, small_checkpoint());
  std::string bytes = test::read_file(path);
  uint32_t version;
  std::memcpy(&version, bytes.data() + 8, sizeof version);
  const uint32_t older = version - 1;
  std::memcpy(bytes.data() + 8, &older, sizeof older);
  test::write_file(path, bytes);
  EXPECT_EQ(test::error_of([&] { load_checkpoint(path); }),
            fmt::format("{}: checkpoint version {} is not {} (resume it with the gemmvec that wrote it)", path, older,
                        version));
}

TEST(Checkpoint, PeriodicCheckpointsChangeNothingCpu) {
  test::expect_periodic_checkpoints_change_nothing("cpu", kBundledCorpus);
}
// A group of 8 positions often has centers on both sides of a sentence break, and a pause
// lands at a sentence start: inside such a group.
TEST(Checkpoint, PeriodicCheckpointsChangeNothingCpuGroup8) {
  test::expect_periodic_checkpoints_change_nothing("cpu", kBundledCorpus, {8});
}
TEST(Checkpoint, PeriodicCheckpointsChangeNothingCpuHs) {
  test::expect_periodic_checkpoints_change_nothing("cpu", kBundledCorpus, {0, "hs"});
}
TEST(Checkpoint, PeriodicCheckpointsChangeNothingCudaHost) {
  test::expect_periodic_checkpoints_change_nothing("cuda-host", kBundledCorpus);
}
TEST(Checkpoint, PeriodicCheckpointsChangeNothingCudaHostFused) {
  test::expect_periodic_checkpoints_change_nothing("cuda-host", kBundledCorpus, {0, "neg", "fused"});
}

// A run of the gemmvec binary in `dir` on 12,000 sentences of the bundled corpus, every path
// relative to `dir`; a metrics line at every report shows the test that training started.
Config cli_run(const test::TempDir& dir, const test::RunVariant& variant = {}, size_t lines = 12000) {
  test::write_file(dir.file("corpus.txt"), test::corpus_head(kBundledCorpus, lines));
  Config c = test::small_run(dir.path().string(), "corpus.txt", "cpu", variant);
  c.data.cache_dir = "cache";
  c.train.progress_seconds = 0;
  return c;
}

void wait_for_training(test::Child& child, const std::string& metrics) {
  while (!child.done() && test::read_file(metrics).empty()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

// The done-criterion of issue 5: a real run stopped by SIGINT at a random moment of its
// training and resumed with --resume writes the same bytes as a run never stopped.
void expect_interrupted_run_resumes_byte_identical(const test::RunVariant& variant) {
  test::TempDir dir;
  Config c = cli_run(dir, variant);
  c.output.path = "whole/vectors.bin";
  test::write_file(dir.file("whole.yaml"), to_yaml(c));
  const auto t0 = std::chrono::steady_clock::now();
  const test::RunResult whole = test::run_gemmvec(dir.path().string(), {"train", "whole.yaml", "--quiet"});
  const double whole_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(whole.code, 0) << whole.err;
  const std::string expected = test::read_file(dir.file("whole/vectors.bin"));

  c.output.path = "cut/vectors.bin";
  c.output.metrics = "cut/metrics.jsonl";
  test::write_file(dir.file("cut.yaml"), to_yaml(c));
  std::mt19937 rng(std::random_device{}());
  double delay = std::uniform_real_distribution<double>(0.0, 0.5)(rng) * whole_seconds;
  bool interrupted = false;
  for (int attempt = 0; attempt < 6 && !interrupted; ++attempt, delay /= 3) {
    fs::remove_all(dir.file("cut"));
    test::Child child(dir.path().string(), {"train", "cut.yaml", "--quiet"});
    wait_for_training(child, dir.file("cut/metrics.jsonl"));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    ::kill(child.pid(), SIGINT);
    const test::RunResult r = child.wait();
    std::printf("  SIGINT %.3f s into training: exit %d\n", delay, r.code);
    if (r.code == 0) continue;  // it finished first: try again sooner
    ASSERT_EQ(r.code, 130) << r.err;
    EXPECT_NE(r.err.find("checkpoint written to cut/vectors.bin.ckpt"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir.file("cut/vectors.bin"))) << "an interrupted run writes no vectors";
    interrupted = true;
  }
  ASSERT_TRUE(interrupted) << "no SIGINT landed during training in 6 tries";
  const test::RunResult resumed = test::run_gemmvec(dir.path().string(), {"train", "--resume", "cut/vectors.bin.ckpt"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.err.find("resuming"), std::string::npos) << resumed.err;
  // Both clocks count the training before the checkpoint.
  const auto report = nlohmann::json::parse(test::read_file(dir.file("cut/vectors.bin.json")));
  EXPECT_GE(report["total_seconds"].get<double>(), report["train_seconds"].get<double>()) << report.dump(2);
  EXPECT_TRUE(test::same_bytes(test::read_file(dir.file("cut/vectors.bin")), expected))
      << "resumed vectors differ from an uninterrupted run";
  EXPECT_FALSE(fs::exists(dir.file("cut/vectors.bin.ckpt")));
}

TEST(Checkpoint, InterruptedAndResumedRunIsByteIdentical) { expect_interrupted_run_resumes_byte_identical({}); }
// The pause lands at a sentence start, often inside a group of 8 that straddles the break.
TEST(Checkpoint, InterruptedAndResumedRunIsByteIdenticalGroup8) { expect_interrupted_run_resumes_byte_identical({8}); }
// hs: the resumed run rebuilds the same tree from the vocab and goes on over the same rows.
TEST(Checkpoint, InterruptedAndResumedRunIsByteIdenticalHs) { expect_interrupted_run_resumes_byte_identical({0, "hs"}); }

// A run with relative paths, stopped by SIGTERM: exit 143 and its checkpoint at saved/run.ckpt.
void stop_with_sigterm(const test::TempDir& dir, size_t lines = 12000) {
  Config c = cli_run(dir, {}, lines);
  c.output.path = "v.bin";
  c.output.checkpoint = "saved/run.ckpt";
  c.output.metrics = "metrics.jsonl";
  c.train.epochs = 50;  // long enough that the signal lands during training
  test::write_file(dir.file("run.yaml"), to_yaml(c));
  test::Child child(dir.path().string(), {"train", "run.yaml", "--quiet"});
  wait_for_training(child, dir.file("metrics.jsonl"));
  ::kill(child.pid(), SIGTERM);
  const test::RunResult r = child.wait();
  ASSERT_EQ(r.code, 143) << r.err;
  ASSERT_TRUE(fs::exists(dir.file("saved/run.ckpt"))) << r.err;
  // docs/errors.md's line, whole.
  const std::string line = r.err.substr(r.err.rfind("gemmvec: "));
  EXPECT_EQ(line.rfind("gemmvec: stopped by signal 15 at epoch ", 0), 0u) << r.err;
  EXPECT_NE(line.find(": checkpoint written to saved/run.ckpt (resume with: gemmvec train --resume saved/run.ckpt)\n"),
            std::string::npos)
      << r.err;
}

// The checkpoint records absolute paths: resumed from another folder, the run reads the corpus
// and writes the vectors where the first run would have, and removes its checkpoint.
TEST(Checkpoint, ResumeFromAnotherFolderWritesWhereTheRunWould) {
  test::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(stop_with_sigterm(dir, 2000));
  fs::create_directories(dir.file("elsewhere"));
  const test::RunResult r = test::run_gemmvec(dir.file("elsewhere"), {"train", "--resume", "../saved/run.ckpt", "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("v.bin")));
  EXPECT_FALSE(fs::exists(dir.file("elsewhere/v.bin")));
  EXPECT_FALSE(fs::exists(dir.file("saved/run.ckpt")));
}

TEST(Checkpoint, SigtermAlsoCheckpointsAndResumeRefusesAnotherCorpus) {
  test::TempDir dir;
  ASSERT_NO_FATAL_FAILURE(stop_with_sigterm(dir));
  // "the" and "of" swapped throughout: the same number of tokens and words, another vocabulary
  // (the rows would train under the wrong words). Resume says so and trains nothing.
  std::string text = test::read_file(dir.file("corpus.txt")), swapped;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string out;
    for (std::string w; words >> w;) out += (out.empty() ? "" : " ") + (w == "the" ? "of" : w == "of" ? "the" : w);
    swapped += out + "\n";
  }
  test::write_file(dir.file("corpus.txt"), swapped);
  const test::RunResult other = test::run_gemmvec(dir.path().string(), {"train", "--resume", "saved/run.ckpt"});
  EXPECT_EQ(other.code, 1);
  EXPECT_NE(other.err.find("saved/run.ckpt: the corpus's vocabulary (its words or their counts) differs"),
            std::string::npos) << other.err;
  // The corpus changes size under the checkpoint: resume says so and trains nothing.
  test::write_file(dir.file("corpus.txt"), "a b c a b c\n");
  const test::RunResult again = test::run_gemmvec(dir.path().string(), {"train", "--resume", "saved/run.ckpt"});
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.err.find("saved/run.ckpt: the corpus has changed"), std::string::npos) << again.err;
  EXPECT_FALSE(fs::exists(dir.file("v.bin")));
}

}  // namespace
}  // namespace gemmvec
