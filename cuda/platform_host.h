// gemmvec: what pipeline.inl needs from the machine, for the host build: memory is host memory,
// Thrust runs its sequential host system, the batched GEMM is a loop of BLAS sgemm calls.
#pragma once
#ifndef GV_PIPELINE_NS
#error "define GV_PIPELINE_NS before including platform_host.h"
#endif
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

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
// Shared memory a fused tile may take: what every GPU this build runs on (sm_75 and newer)
// gives a block that opts in.
constexpr size_t kTileBytesLimit = 64 * 1024;

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
  // How many items to launch for a size held in (device) memory, at most `capacity`: the GPU
  // launches the capacity and the surplus exits early (no wait); the host reads the size.
  size_t bound(const uint32_t* size, size_t capacity) const {
    if (launch_capacity_) return capacity;
    return *size < capacity ? *size : capacity;
  }
  // Tests: launch the capacity as the GPU does, so the surplus's early exits run here too.
  void set_launch_capacity(bool on) { launch_capacity_ = on; }
  // Runs the step f, recorded at the first call and replayed after, as the GPU replays a CUDA
  // graph. Here the recording is a copy of f, so what f captured stays as it was at the first
  // call, as a graph's kernel arguments do: what changes must come from device memory.
  template <class F>
  void replay(const F& f) {
    if (!replay_) return f();
    if (!recorded_) recorded_ = f;
    recorded_();
  }
  void forget_replay() { recorded_ = nullptr; }
  bool replays() const { return static_cast<bool>(recorded_); }
  void set_replay(bool on) {
    replay_ = on;
    recorded_ = nullptr;
  }
  // Shared memory one tile may take, in bytes (the host takes what the GPU would).
  size_t tile_bytes_limit() const { return kTileBytesLimit; }

  // Runs tile(b, block) for blocks b < count, one after another, each with its own tile memory.
  template <class Tile>
  void run_tiles(const Tile& tile, size_t count, size_t tile_bytes) {
    tile_memory_.resize((tile_bytes + sizeof(float) - 1) / sizeof(float));
    HostBlock block{tile_memory_.data()};
    for (size_t b = 0; b < count; ++b) tile(static_cast<uint32_t>(b), block);
  }

 private:
  // A tile's block on the host: one thread, so a phase is a loop and barriers are free.
  struct HostBlock {
    float* memory;
    float* shared() { return memory; }
    template <class F>
    void phase(uint32_t count, const F& f) {
      for (uint32_t i = 0; i < count; ++i) f(i);
    }
    // f(row, col) over a (rows, d) tile, each row's columns as one vector loop.
    template <class F>
    void phase_rows(uint32_t rows, uint32_t d, const F& f) {
      for (uint32_t r = 0; r < rows; ++r) {
        GV_HOST_SIMD
        for (uint32_t c = 0; c < d; ++c) f(r, c);
      }
    }
  };
  std::vector<float> tile_memory_;
  bool launch_capacity_ = false;
  bool replay_ = true;
  std::function<void()> recorded_;

 public:

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
  // The whole token stream, where the pipeline reads it: in place.
  const uint32_t* resident(const uint32_t* tokens, size_t, size_t) { return tokens; }

 private:
  size_t capacity_;
  const uint32_t* slot_[2] = {nullptr, nullptr};
};

// The scatter-adds of the atomic (non-deterministic) mode and the fused step: sequential on
// the host. atomic_add_old returns the value before; atomic_inc returns it and adds one.
GV_HD void atomic_add(float* p, float v) { *p += v; }
GV_HD void atomic_add(double* p, double v) { *p += v; }
GV_HD float atomic_add_old(float* p, float v) {
  const float old = *p;
  *p = old + v;
  return old;
}
GV_HD uint32_t atomic_inc(uint32_t* p) { return (*p)++; }

}  // namespace gemmvec::GV_PIPELINE_NS
