// gemmvec: the pipeline factories a build lacks: make_cuda_pipeline when CUDA is not built, and
// also make_host_pipeline when there is no Thrust at all (neither pipeline backend exists).
#include <stdexcept>

#include "pipeline.h"

namespace gemmvec::pipeline {

#if !defined(GEMMVEC_PIPELINE_HOST)
std::unique_ptr<Pipeline> make_host_pipeline(const TrainPlan&, Embeddings, Launch) { return nullptr; }
#endif

#if !defined(GEMMVEC_PIPELINE_CUDA)
std::string cuda_problem() { return "this gemmvec was built without CUDA"; }
std::unique_ptr<Pipeline> make_cuda_pipeline(const TrainPlan&, Embeddings, Launch) {
  throw DeviceError(
      "this gemmvec was built without CUDA (rebuild with the CUDA toolkit and -DGEMMVEC_CUDA=ON)");
}
#endif

}  // namespace gemmvec::pipeline
