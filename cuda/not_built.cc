// gemmvec: factories for a build without the GEMM pipeline backends.
#include <stdexcept>

#include "gemmvec/backend.h"

namespace gemmvec {

std::unique_ptr<Backend> make_cuda_host_backend(const TrainPlan&, Embeddings) { return nullptr; }
std::unique_ptr<Backend> make_cuda_backend(const TrainPlan&, Embeddings) {
  throw std::runtime_error("this gemmvec was built without the CUDA backend (rebuild with the CUDA toolkit and -DGEMMVEC_CUDA=ON)");
}
std::string cuda_unavailable_reason() { return "this gemmvec was built without the CUDA backend"; }

}  // namespace gemmvec
