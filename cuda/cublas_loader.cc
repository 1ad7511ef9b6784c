// gemmvec: cuBLAS resolved at run time (dlopen + dlsym), once, by the first caller.
#include "cublas_loader.h"

#include "gemmvec/errors.h"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>
#include <string>

namespace gemmvec::cuda_libs {
namespace {

// The soname the toolkit we were built with ships (libcublas.so.13 for CUDA 13).
const std::string kLibrary = "libcublas.so." + std::to_string(CUBLAS_VER_MAJOR);

template <class F>
void resolve(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (!fn) throw DeviceError(kLibrary + " has no " + name + " (install the cuBLAS of CUDA " +
                                    std::to_string(CUBLAS_VER_MAJOR) + ")");
}

Cublas load() {
  // The loader's search (LD_LIBRARY_PATH, ld.so.cache), then the toolkit we were built with.
  void* lib = ::dlopen(kLibrary.c_str(), RTLD_NOW | RTLD_LOCAL);
#ifdef GEMMVEC_CUDA_LIBRARY_DIR
  if (!lib) lib = ::dlopen((std::string(GEMMVEC_CUDA_LIBRARY_DIR) + "/" + kLibrary).c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
  if (!lib) {
    const char* why = ::dlerror();
    throw DeviceError("cannot load " + kLibrary + ": " + (why ? why : "not found") +
                             " (install cuBLAS or add its folder, e.g. /usr/local/cuda/lib64, to LD_LIBRARY_PATH)");
  }
  Cublas c{};
  resolve(lib, "cublasCreate_v2", c.create);
  resolve(lib, "cublasDestroy_v2", c.destroy);
  resolve(lib, "cublasSetStream_v2", c.set_stream);
  resolve(lib, "cublasSetMathMode", c.set_math_mode);
  resolve(lib, "cublasSgemmBatched", c.sgemm_batched);
  resolve(lib, "cublasGetStatusString", c.status_string);
  return c;  // the library stays loaded for the life of the process
}

}  // namespace

const Cublas& cublas() {
  static const Cublas api = load();  // thread-safe; a failed load throws and is tried again
  return api;
}

}  // namespace gemmvec::cuda_libs
