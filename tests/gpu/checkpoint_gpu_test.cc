// gemmvec GPU tests (label gpu): checkpoints on the CUDA backend. Pausing at every batch
// boundary to download a checkpoint and going on leaves a deterministic run bit-identical.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "checkpoint_runs.h"
#include "pipeline_backend.h"
#include "require_gpu.h"

namespace gemmvec {
namespace {

TEST(CheckpointGpu, PeriodicCheckpointsChangeNothingCuda) {
  GEMMVEC_NEED_GPU();
  const char* env = std::getenv("GEMMVEC_SOURCE_DIR");
  const std::string root = env && *env ? env : GEMMVEC_SOURCE_DIR;
  test::expect_periodic_checkpoints_change_nothing("cuda", root + "/data/corpus/enwikinews.txt.xz");
}

}  // namespace
}  // namespace gemmvec
