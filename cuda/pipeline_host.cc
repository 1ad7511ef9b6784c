// gemmvec: the GEMM pipeline built by g++ for the host (backend "cuda-host"): the very source
// the GPU runs, on Thrust's sequential host system with OpenBLAS for the batched GEMMs.
#define GV_PIPELINE_NS host_pipeline
#include "platform_host.h"
// (platform first: pipeline.inl builds on it)
#include "pipeline.inl"

namespace gemmvec::pipeline {

std::unique_ptr<Pipeline> make_host_pipeline(const TrainPlan& plan, Embeddings initial, Launch launch) {
  auto p = std::make_unique<host_pipeline::GemmPipeline>(plan, std::move(initial));
  p->set_launch(launch);
  return p;
}

}  // namespace gemmvec::pipeline
