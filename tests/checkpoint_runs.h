// gemmvec tests: small deterministic training runs for the checkpoint tests (CPU and GPU).
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "gemmvec/config.h"
#include "gemmvec/trainer.h"
#include "test_files.h"

namespace gemmvec::test {

// What a checkpoint test varies in its run: group_size 0 is the backend's default.
struct RunVariant {
  uint32_t group_size = 0;
  std::string loss = "neg";
  std::string step = "auto";  // train.step
};

// A deterministic training run on the first sentences of the bundled corpus.
inline Config small_run(const std::string& dir, const std::string& corpus, const std::string& backend,
                        const RunVariant& variant = {}) {
  Config c;
  c.data.corpus = {corpus};
  c.data.cache_dir = dir + "/cache";
  c.vocab.min_count = 2;
  c.model.type = ModelType::kSkipGram;
  c.model.dim = 16;
  c.train.epochs = 2;
  c.train.threads = 1;
  c.train.backend = backend;
  // The fused step is refused with train.deterministic; on the host build it runs its tiles one
  // after another, so it repeats bit for bit without it.
  c.train.deterministic = variant.step != "fused";
  c.train.step = variant.step;
  c.train.group_size = variant.group_size;
  c.model.loss = variant.loss;
  c.train.progress_seconds = 1e9;
  c.output.path = dir + "/vectors.bin";
  return c;
}

// Pausing for a checkpoint at every report and going on changes no bit of the result: the
// pause points are resume points.
inline void expect_periodic_checkpoints_change_nothing(const std::string& backend, const std::string& corpus_source,
                                                       const RunVariant& variant = {}) {
  TempDir dir;
  const std::string corpus = dir.file("corpus.txt");
  write_file(corpus, corpus_head(corpus_source, 4000));
  Config plain = small_run(dir.path().string(), corpus, backend, variant);
  plain.train.checkpoint_minutes = 0;
  train(plain);
  const std::string expected = read_file(plain.output.path);
  Config often = plain;
  often.output.path = dir.file("often.bin");
  often.train.checkpoint_minutes = 1e-7;  // due at every report
  ::testing::internal::CaptureStderr();
  train(often);
  const std::string log = ::testing::internal::GetCapturedStderr();
  // The pauses happened: without them the comparison below would hold vacuously.
  size_t written = 0;
  for (size_t at = log.find("checkpoint written to"); at != std::string::npos; at = log.find("checkpoint written to", at + 1))
    ++written;
  EXPECT_GE(written, 2u) << log;
  EXPECT_TRUE(same_bytes(read_file(often.output.path), expected)) << "pausing at every report changed the vectors";
  EXPECT_FALSE(std::filesystem::exists(often.output.path + ".ckpt")) << "a completed run removes its checkpoint";
}

}  // namespace gemmvec::test
