// gemmvec: cuBLAS, loaded with dlopen when the first CUDA context is made. Linking it would map
// and relocate libcublas and libcublasLt at every start (~216 MB resident before any work),
// which a CUDA-enabled gemmvec training on the CPU would pay for nothing.
#pragma once
#include <cublas_v2.h>

namespace gemmvec::cuda_libs {

// The cuBLAS entry points the pipeline calls.
struct Cublas {
  decltype(&cublasCreate_v2) create;
  decltype(&cublasDestroy_v2) destroy;
  decltype(&cublasSetStream_v2) set_stream;
  decltype(&cublasSetMathMode) set_math_mode;
  decltype(&cublasSgemmBatched) sgemm_batched;
  decltype(&cublasGetStatusString) status_string;
};

// Loads libcublas.so.<major of the toolkit built with> on first use; throws DeviceError
// naming the library and the fix if it or a symbol is missing.
const Cublas& cublas();

}  // namespace gemmvec::cuda_libs
