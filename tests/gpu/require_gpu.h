// gemmvec GPU tests: skip without a usable GPU, or fail when GEMMVEC_REQUIRE_GPU=1 (set by
// scripts/gpu-check.sh on a lent GPU), so a build that cannot use the card never passes as
// "skipped" where the GPU is the point.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "pipeline_backend.h"

namespace gemmvec::test {

inline bool gpu_required() {
  const char* env = std::getenv("GEMMVEC_REQUIRE_GPU");
  return env && std::strcmp(env, "1") == 0;
}

}  // namespace gemmvec::test

// At the top of a gpu test: returns from it (skipped or failed) when the cuda backend cannot run.
#define GEMMVEC_NEED_GPU()                                                                   \
  do {                                                                                       \
    const std::string why = ::gemmvec::cuda_unavailable_reason();                            \
    if (!why.empty()) {                                                                      \
      if (::gemmvec::test::gpu_required()) FAIL() << "GEMMVEC_REQUIRE_GPU=1 but " << why;    \
      GTEST_SKIP() << "no CUDA device: " << why;                                             \
    }                                                                                        \
  } while (0)
