// gemmvec: the GEMM pipeline built by nvcc (backend "cuda"): Thrust on a CUDA stream, cuBLAS
// for the batched GEMMs, and the device checks behind cuda_unavailable_reason().
#define GV_PIPELINE_NS cuda_pipeline
#include "platform_cuda.cuh"
// (platform first: pipeline.inl builds on it)
#include "pipeline.inl"

namespace gemmvec::pipeline {
namespace {

// Exists only so that cudaFuncGetAttributes can tell whether this binary has code for the GPU.
__global__ void probe_kernel() {}

}  // namespace

std::string cuda_problem() {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return std::string("no CUDA device found (cudaGetDeviceCount: ") + cudaGetErrorString(e) + ")";
  }
  if (count == 0) return "no CUDA device found (cudaGetDeviceCount: 0 devices)";
  cudaFuncAttributes attributes;
  const cudaError_t f = cudaFuncGetAttributes(&attributes, probe_kernel);
  if (f != cudaSuccess) {
    cudaGetLastError();
    cudaDeviceProp prop;
    std::string device = "device 0";
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
      device = std::string(prop.name) + " (sm_" + std::to_string(prop.major) + std::to_string(prop.minor) + ")";
    return "the CUDA device " + device + " cannot run this build (" + cudaGetErrorString(f) +
           "; built for CUDA architectures " GEMMVEC_CUDA_ARCHS_STRING ")";
  }
  return "";
}

std::unique_ptr<Pipeline> make_cuda_pipeline(const TrainPlan& plan, Embeddings initial, Launch launch) {
  const std::string why = cuda_problem();
  if (!why.empty()) throw DeviceError(why);
  auto p = std::make_unique<cuda_pipeline::GemmPipeline>(plan, std::move(initial));
  p->set_launch(launch);
  return p;
}

}  // namespace gemmvec::pipeline
