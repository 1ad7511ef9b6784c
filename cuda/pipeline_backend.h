// gemmvec: the GEMM pipeline as a Backend: `cuda` (nvcc, cuBLAS) and `cuda-host` (the same
// source built by g++ with Thrust's host system and OpenBLAS). See cuda/README.md.
#pragma once
#include <memory>
#include <string>

#include "train/backend.h"

namespace gemmvec {

// A batch is one step from stale rows, so it stays small enough that the summed updates of
// frequent words do not diverge (262144 words did); chosen on an H200 grid (docs/tuning.md).
constexpr BackendDefaults kPipelineDefaults{8, 16, 16384, 128};

// The host build; throws DeviceError if this gemmvec was built without Thrust.
std::unique_ptr<Backend> make_cuda_host_backend(const TrainPlan& plan, Embeddings initial);
// The CUDA build on the first device; throws DeviceError naming why if there is no usable GPU
// or CUDA was not built.
std::unique_ptr<Backend> make_cuda_backend(const TrainPlan& plan, Embeddings initial);
// "" if the cuda backend can run here, else the one-line reason.
std::string cuda_unavailable_reason();
// "" if the cuda-host backend was built, else why not.
std::string cuda_host_unavailable_reason();

}  // namespace gemmvec
