// gemmvec tests: train.watch: the watched words' neighbours printed while training on each
// backend, pauses for them that change nothing, and unknown words refused before training.
#include <gtest/gtest.h>

#include <string>

#include "gemmvec/trainer.h"
#include "checkpoint_runs.h"
#include "test_files.h"
#include "tiny_run.h"

namespace gemmvec {
namespace {

const std::string kCorpus = std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz";

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The lines printed for `word`: "  word: n1 (0.812) ... n8 (0.501)", eight neighbours each.
size_t neighbour_lines(const std::string& log, const std::string& word) {
  size_t lines = 0;
  for (size_t at = log.find("\n  " + word + ": "); at != std::string::npos; at = log.find("\n  " + word + ": ", at + 1)) {
    const std::string line = log.substr(at + 1, log.find('\n', at + 1) - at - 1);
    EXPECT_EQ(count(line, " ("), 8u) << line;
    ++lines;
  }
  return lines;
}

TEST(Watch, PrintsTheNeighboursAfterEveryEpochOnEachHostBackend) {
  for (const char* backend : {"cpu", "cuda-host"}) {
    test::TempDir dir;
    test::write_file(dir.file("corpus.txt"), test::corpus_head(kCorpus, 1500));
    Config c = test::small_run(dir.path().string(), dir.file("corpus.txt"), backend);
    c.train.watch = {"government", "Year"};  // a watched word is found whatever its case
    ::testing::internal::CaptureStderr();
    train(c);
    const std::string log = ::testing::internal::GetCapturedStderr();
    SCOPED_TRACE(backend);
    EXPECT_EQ(count(log, "gemmvec: nearest words after epoch "), 2u) << log;
    EXPECT_NE(log.find("gemmvec: nearest words after epoch 2/2:\n"), std::string::npos) << log;
    EXPECT_EQ(neighbour_lines(log, "government"), 2u) << log;
    EXPECT_EQ(neighbour_lines(log, "year"), 2u) << log;
  }
}

// Pausing to print at every report (watch_seconds tiny) prints within epochs and changes no
// bit of the vectors: the pauses are resume points.
TEST(Watch, PausesWithinEpochsChangeNothing) {
  test::TempDir dir;
  test::write_file(dir.file("corpus.txt"), test::corpus_head(kCorpus, 4000));
  Config plain = test::small_run(dir.path().string(), dir.file("corpus.txt"), "cpu");
  train(plain);
  Config watched = plain;
  watched.output.path = dir.file("watched.bin");
  watched.train.watch = {"the"};
  watched.train.watch_seconds = 1e-9;
  ::testing::internal::CaptureStderr();
  train(watched);
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_GE(count(log, "gemmvec: nearest words in epoch "), 2u) << log;
  EXPECT_TRUE(test::same_bytes(test::read_file(watched.output.path), test::read_file(plain.output.path)))
      << "pausing for the watched words changed the vectors";
}

TEST(Watch, AnUnknownWordIsRefusedBeforeTraining) {
  test::TempDir dir;
  test::write_file(dir.file("corpus.txt"), test::sentences(50));
  Config c = test::small_run(dir.path().string(), dir.file("corpus.txt"), "cpu");
  c.vocab.min_count = 1;
  c.train.watch = {"cat", "dgo"};
  try {
    train(c);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "train.watch: 'dgo' is not in the vocabulary (did you mean 'dog'?)");
  }
  EXPECT_FALSE(test::fs::exists(c.output.path));
}

}  // namespace
}  // namespace gemmvec
