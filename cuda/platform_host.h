// gemmvec: what pipeline.inl needs from the machine, for the host build: memory is host memory,
// Thrust runs its sequential host system, the batched GEMM is a loop of BLAS sgemm calls.
#pragma once
#ifndef GV_PIPELINE_NS
#error "define GV_PIPELINE_NS before including platform_host.h"
#endif
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include <thrust/system/cpp/execution_policy.h>

#include "base/blas.h"
#include "math/hostdevice.h"
#include "train/train_plan.h"
#include "pipeline.h"

namespace gemmvec::GV_PIPELINE_NS {

// The build wraps this Thrust in its own namespace (THRUST_CUB_WRAPPED_NAMESPACE), so that the
// host-system and CUDA instantiations of one program never share a symbol.
namespace thrust = THRUST_NS_QUALIFIER;

constexpr const char* kPipelineName = "cuda-host";

using pipeline::DeviceOutOfMemory;
using pipeline::Op;

// Memory the pipeline's algorithms run on: here plain host memory.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) : size_(n) {
    if (n == 0) return;
    try {
      data_.reset(new T[n]);
    } catch (const std::bad_alloc&) {
      throw DeviceOutOfMemory("allocation of " + std::to_string(n * sizeof(T)) + " bytes failed", n * sizeof(T));
    }
  }
  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

 private:
  std::unique_ptr<T[]> data_;
  size_t size_ = 0;
};


// How elementwise work over (rows, d) runs: one loop per row: no division per element.
constexpr bool kRowLoops = true;

// Streams, BLAS handle and the Thrust execution policy; on the host there is nothing to own.
class Context {
 public:
  explicit Context(const TrainPlan&) {}
  auto policy() const { return thrust::cpp::par; }
  void to_device(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
  void to_host(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }
  void check(const char*) {}
  void sync() {}
  // Free memory the scratch may take (host: no limit is enforced here).
  size_t free_bytes() const { return ~size_t(0); }

  // Row-major C_i = op(A_i) op(B_i) + beta C_i for i < count; C_i is M x N, the inner size K.
  void gemm_batched(Op ta, Op tb, int m, int n, int k, float* const* a, int lda,
                    float* const* b, int ldb, float beta, float* const* c, int ldc, size_t count) {
    const auto bta = ta == Op::kT ? blas::Op::kT : blas::Op::kN;
    const auto btb = tb == Op::kT ? blas::Op::kT : blas::Op::kN;
    for (size_t i = 0; i < count; ++i) blas::sgemm(bta, btb, m, n, k, 1.0f, a[i], lda, b[i], ldb, beta, c[i], ldc);
  }
};

// Token batches: the pipeline reads the (memory-mapped) host tokens in place.
class Staging {
 public:
  Staging(Context&, size_t capacity) : capacity_(capacity) {}
  size_t capacity() const { return capacity_; }
  size_t bytes() const { return 0; }
  void put(int slot, const uint32_t* tokens, size_t) { slot_[slot] = tokens; }
  const uint32_t* get(int slot) { return slot_[slot]; }
  void done(int) {}
  const uint32_t* put_sync(const uint32_t* tokens, size_t) { return tokens; }

 private:
  size_t capacity_;
  const uint32_t* slot_[2] = {nullptr, nullptr};
};

// The scatter-add of the atomic (non-deterministic) mode: sequential on the host.
GV_HD void atomic_add(float* p, float v) { *p += v; }

}  // namespace gemmvec::GV_PIPELINE_NS
