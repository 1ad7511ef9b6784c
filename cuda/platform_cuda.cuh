// gemmvec: what pipeline.inl needs from the machine, for the CUDA build: RAII owners of device
// memory, streams, events and the cuBLAS handle; a caching allocator so Thrust's temporaries
// are not cudaMalloc'ed per batch; the batched GEMM in cuBLAS; pinned double buffers that
// stream token batches on their own stream.
#pragma once
#ifndef GV_PIPELINE_NS
#error "define GV_PIPELINE_NS before including platform_cuda.cuh"
#endif
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

#include <thrust/system/cuda/execution_policy.h>

#include "cublas_loader.h"
#include "math/hostdevice.h"
#include "train/train_plan.h"
#include "pipeline.h"

namespace gemmvec::GV_PIPELINE_NS {

namespace thrust = THRUST_NS_QUALIFIER;

constexpr const char* kPipelineName = "cuda";

using pipeline::DeviceOutOfMemory;
using pipeline::Op;

inline void cuda_check(cudaError_t e, const char* call, const char* file, int line) {
  if (e == cudaSuccess) return;
  const std::string msg = std::string("CUDA error: ") + call + " failed at " + file + ":" +
                          std::to_string(line) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // clear the sticky-free allocation error
    throw DeviceOutOfMemory(msg, 0);
  }
  throw DeviceError(msg);
}

inline void cublas_check(cublasStatus_t s, const char* call, const char* file, int line) {
  if (s == CUBLAS_STATUS_SUCCESS) return;
  throw DeviceError(std::string("cuBLAS error: ") + call + " failed at " + file + ":" +
                           std::to_string(line) + ": " + cuda_libs::cublas().status_string(s));
}

#define GV_CUDA_CHECK(call) cuda_check((call), #call, __FILE__, __LINE__)
#define GV_CUBLAS_CHECK(call) cublas_check((call), #call, __FILE__, __LINE__)

// Owns n elements of device memory.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) : size_(n) {
    if (n == 0) return;
    const cudaError_t e = cudaMalloc(&data_, n * sizeof(T));
    if (e != cudaSuccess) {
      cudaGetLastError();
      data_ = nullptr;
      throw DeviceOutOfMemory(std::string("cudaMalloc of ") + std::to_string(n * sizeof(T)) +
                                  " bytes failed: " + cudaGetErrorString(e),
                              n * sizeof(T));
    }
  }
  ~Buffer() {
    if (data_) cudaFree(data_);
  }
  Buffer(Buffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    if (this != &o) {
      if (data_) cudaFree(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return size_ * sizeof(T); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

// Thrust's temporary storage, kept between calls: after the first batch no algorithm mallocs.
class CachingAllocator {
 public:
  using value_type = char;
  CachingAllocator() = default;
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;
  ~CachingAllocator() { release(); }

  // While a recorded graph names blocks, none is given back to the driver.
  void hold(bool on) { hold_ = on; }

  char* allocate(std::ptrdiff_t n) {
    const size_t want = static_cast<size_t>(n);
    auto it = free_.lower_bound(want);
    if (it != free_.end()) {
      char* p = it->second;
      used_.emplace(p, it->first);
      free_.erase(it);
      return p;
    }
    char* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, want);
    if (e != cudaSuccess) {
      cudaGetLastError();
      // Give back cached blocks and try once more before failing.
      release_free();
      if (cudaMalloc(&p, want) != cudaSuccess) {
        cudaGetLastError();
        throw DeviceOutOfMemory("cudaMalloc of " + std::to_string(want) +
                                    " bytes of Thrust temporary storage failed",
                                want);
      }
    }
    used_.emplace(p, want);
    return p;
  }
  void deallocate(char* p, size_t) {
    auto it = used_.find(p);
    if (it == used_.end()) return;
    free_.emplace(it->second, p);
    used_.erase(it);
  }

 private:
  void release_free() {
    if (hold_) return;
    for (auto& [size, p] : free_) cudaFree(p);
    free_.clear();
  }
  void release() {
    release_free();
    for (auto& [p, size] : used_) cudaFree(p);
    used_.clear();
  }
  std::multimap<size_t, char*> free_;
  std::map<char*, size_t> used_;
  bool hold_ = false;
};


// How elementwise work over (rows, d) runs: one thread per element: coalesced rows.
constexpr bool kRowLoops = false;

// A fused tile's block: phases spread over its threads, a barrier after each.
constexpr unsigned kTileThreads = 128;
struct DeviceBlock {
  float* memory;
  GV_HD float* shared() { return memory; }
  template <class F>
  GV_HD void phase(uint32_t count, const F& f) {
#if defined(__CUDA_ARCH__)
    for (uint32_t i = threadIdx.x; i < count; i += blockDim.x) f(i);
    __syncthreads();
#endif
  }
  // f(row, col) over a (rows, d) tile, a thread per element (a row's columns are coalesced).
  template <class F>
  GV_HD void phase_rows(uint32_t rows, uint32_t d, const F& f) {
#if defined(__CUDA_ARCH__)
    for (uint32_t i = threadIdx.x; i < rows * d; i += blockDim.x) f(i / d, i % d);
    __syncthreads();
#endif
  }
};
template <class Tile>
__global__ void tile_kernel(Tile tile, uint32_t first) {
  extern __shared__ float tile_memory[];
  DeviceBlock block{tile_memory};
  tile(first + blockIdx.x, block);
}

// The compute stream, the cuBLAS handle bound to it, and the Thrust policy running on it.
class Context {
 public:
  explicit Context(const TrainPlan& plan) {
    GV_CUDA_CHECK(cudaSetDevice(0));
    GV_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    const cuda_libs::Cublas& cublas = cuda_libs::cublas();
    GV_CUBLAS_CHECK(cublas.create(&blas_));
    GV_CUBLAS_CHECK(cublas.set_stream(blas_, stream_));
    GV_CUBLAS_CHECK(cublas.set_math_mode(blas_, plan.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  }
  ~Context() {
    if (graph_) cudaGraphExecDestroy(graph_);
    if (blas_) cuda_libs::cublas().destroy(blas_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  cudaStream_t stream() const { return stream_; }
  auto policy() { return thrust::cuda::par_nosync(alloc_).on(stream_); }
  void to_device(void* dst, const void* src, size_t bytes) {
    GV_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
    GV_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void to_host(void* dst, const void* src, size_t bytes) {
    GV_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    GV_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  // After each launch: reports a failed launch with the phase that made it.
  void check(const char* phase) {
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess)
      throw DeviceError(std::string("CUDA error after ") + phase + ": " + cudaGetErrorString(e));
  }
  void sync() { GV_CUDA_CHECK(cudaStreamSynchronize(stream_)); }
  size_t free_bytes() const {
    size_t free = 0, total = 0;
    GV_CUDA_CHECK(cudaMemGetInfo(&free, &total));
    return free;
  }
  // How many items to launch for a size held in device memory: the capacity; the surplus
  // exits early, and the host never waits for the size.
  size_t bound(const uint32_t*, size_t capacity) const { return capacity; }
  void set_launch_capacity(bool) {}  // always
  // Runs the step f: captured into a CUDA graph at the first call (nothing runs while it is
  // captured), then the graph is launched, at this call and every later one. f's launches keep
  // the arguments they had at capture: what changes must come from device memory. Thrust's
  // temporaries are cached blocks, held while the graph names them. If the capture fails, the
  // step runs launch by launch from then on, said once on stderr.
  template <class F>
  void replay(const F& f) {
    if (!replay_) return f();
    if (!graph_) {
      cudaGraph_t graph = nullptr;
      GV_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeRelaxed));
      std::string failed;
      try {
        f();
      } catch (const std::exception& e) {
        failed = e.what();
      }
      cudaError_t e = cudaStreamEndCapture(stream_, &graph);
      if (failed.empty() && e == cudaSuccess) e = cudaGraphInstantiate(&graph_, graph, 0);
      if (graph) cudaGraphDestroy(graph);
      if (!failed.empty() || e != cudaSuccess) {
        cudaGetLastError();
        graph_ = nullptr;
        replay_ = false;
        std::fprintf(stderr, "gemmvec: the step could not be captured as a CUDA graph (%s); it runs launch by launch\n",
                     failed.empty() ? cudaGetErrorString(e) : failed.c_str());
        return f();
      }
      alloc_.hold(true);
    }
    GV_CUDA_CHECK(cudaGraphLaunch(graph_, stream_));
  }
  // Drops the recorded graph (the buffers it names are about to change).
  void forget_replay() {
    if (graph_) cudaGraphExecDestroy(graph_);
    graph_ = nullptr;
    alloc_.hold(false);
  }
  bool replays() const { return graph_ != nullptr; }
  void set_replay(bool on) {
    forget_replay();
    replay_ = on;
  }
  // Shared memory one tile may take, in bytes: what the device gives a block that opts in.
  size_t tile_bytes_limit() const {
    int bytes = 0;
    GV_CUDA_CHECK(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0));
    return static_cast<size_t>(bytes);
  }

  // Runs tile(b, block) for blocks b < count: one block of kTileThreads threads each, with
  // tile_bytes of shared memory.
  template <class Tile>
  void run_tiles(const Tile& tile, size_t count, size_t tile_bytes) {
    if (count == 0) return;
    static size_t opted_in = 0;  // per Tile type: the bytes its kernel may already take
    if (tile_bytes > 48 * 1024 && tile_bytes > opted_in) {
      GV_CUDA_CHECK(cudaFuncSetAttribute(tile_kernel<Tile>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(tile_bytes)));
      opted_in = tile_bytes;
    }
    constexpr size_t kMaxBlocks = 0x7FFFFFFF;
    for (size_t first = 0; first < count; first += kMaxBlocks) {
      const size_t blocks = count - first < kMaxBlocks ? count - first : kMaxBlocks;
      tile_kernel<<<static_cast<unsigned>(blocks), kTileThreads, tile_bytes, stream_>>>(
          tile, static_cast<uint32_t>(first));
    }
  }

  // Row-major C_i = op(A_i) op(B_i) + beta C_i (M x N, inner K), i < count: cuBLAS is
  // column-major, so it computes C^T = op(B)^T op(A)^T with the operands swapped.
  void gemm_batched(Op ta, Op tb, int m, int n, int k, float* const* a, int lda,
                    float* const* b, int ldb, float beta, float* const* c, int ldc, size_t count) {
    const float one = 1.0f;
    const auto cta = ta == Op::kT ? CUBLAS_OP_T : CUBLAS_OP_N;
    const auto ctb = tb == Op::kT ? CUBLAS_OP_T : CUBLAS_OP_N;
    constexpr size_t kMaxBatch = 65535;  // stay within one grid dimension per call
    for (size_t first = 0; first < count; first += kMaxBatch) {
      const int batch = static_cast<int>(count - first < kMaxBatch ? count - first : kMaxBatch);
      GV_CUBLAS_CHECK(cuda_libs::cublas().sgemm_batched(blas_, ctb, cta, n, m, k, &one, b + first, ldb,
                                                        a + first, lda, &beta, c + first, ldc, batch));
    }
  }

 private:
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  CachingAllocator alloc_;
  cudaGraphExec_t graph_ = nullptr;
  bool replay_ = true;
};

// Pinned double buffers: the host copies batch b+1 into pinned memory and starts its upload on
// the copy stream while batch b trains; events order the copy and the compute.
class Staging {
 public:
  Staging(Context& ctx, size_t capacity) : ctx_(ctx), capacity_(capacity) {
    GV_CUDA_CHECK(cudaStreamCreateWithFlags(&copy_, cudaStreamNonBlocking));
    for (int i = 0; i < 2; ++i) {
      GV_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&pinned_[i]), capacity_ * sizeof(uint32_t)));
      device_[i] = Buffer<uint32_t>(capacity_);
      GV_CUDA_CHECK(cudaEventCreateWithFlags(&copied_[i], cudaEventDisableTiming));
      GV_CUDA_CHECK(cudaEventCreateWithFlags(&consumed_[i], cudaEventDisableTiming));
    }
    sync_ = Buffer<uint32_t>(capacity_);
  }
  ~Staging() {
    if (copy_) cudaStreamSynchronize(copy_);
    for (int i = 0; i < 2; ++i) {
      if (pinned_[i]) cudaFreeHost(pinned_[i]);
      if (copied_[i]) cudaEventDestroy(copied_[i]);
      if (consumed_[i]) cudaEventDestroy(consumed_[i]);
    }
    if (copy_) cudaStreamDestroy(copy_);
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  size_t capacity() const { return capacity_; }
  size_t bytes() const { return 3 * capacity_ * sizeof(uint32_t) + resident_.bytes(); }

  // The whole token stream on the device, uploaded at the first call for these tokens, if it
  // takes at most `budget` bytes; null otherwise (the batches stream through put and get).
  const uint32_t* resident(const uint32_t* tokens, size_t n, size_t budget) {
    if (resident_of_ == tokens && resident_.size() == n) return resident_.data();
    resident_ = Buffer<uint32_t>();
    resident_of_ = nullptr;
    if (n == 0 || n * sizeof(uint32_t) > budget) return nullptr;
    try {
      resident_ = Buffer<uint32_t>(n);
    } catch (const DeviceOutOfMemory&) {
      return nullptr;
    }
    ctx_.to_device(resident_.data(), tokens, n * sizeof(uint32_t));
    resident_of_ = tokens;
    return resident_.data();
  }

  // Starts the upload of tokens into slot; the host may reuse `tokens` on return.
  void put(int slot, const uint32_t* tokens, size_t n) {
    GV_CUDA_CHECK(cudaEventSynchronize(copied_[slot]));  // pinned_[slot] is free again
    std::memcpy(pinned_[slot], tokens, n * sizeof(uint32_t));
    GV_CUDA_CHECK(cudaStreamWaitEvent(copy_, consumed_[slot], 0));  // device_[slot] is free again
    GV_CUDA_CHECK(cudaMemcpyAsync(device_[slot].data(), pinned_[slot], n * sizeof(uint32_t),
                                  cudaMemcpyHostToDevice, copy_));
    GV_CUDA_CHECK(cudaEventRecord(copied_[slot], copy_));
  }
  // The compute stream waits for slot's upload; returns its device pointer.
  const uint32_t* get(int slot) {
    GV_CUDA_CHECK(cudaStreamWaitEvent(ctx_.stream(), copied_[slot], 0));
    return device_[slot].data();
  }
  // The work queued so far on the compute stream is the last to read slot.
  void done(int slot) { GV_CUDA_CHECK(cudaEventRecord(consumed_[slot], ctx_.stream())); }
  // A synchronous upload outside the double buffers (single steps, split batches).
  const uint32_t* put_sync(const uint32_t* tokens, size_t n) {
    ctx_.to_device(sync_.data(), tokens, n * sizeof(uint32_t));
    return sync_.data();
  }

 private:
  Context& ctx_;
  size_t capacity_;
  cudaStream_t copy_ = nullptr;
  uint32_t* pinned_[2] = {nullptr, nullptr};
  Buffer<uint32_t> device_[2];
  cudaEvent_t copied_[2] = {nullptr, nullptr};
  cudaEvent_t consumed_[2] = {nullptr, nullptr};
  Buffer<uint32_t> sync_;
  Buffer<uint32_t> resident_;
  const uint32_t* resident_of_ = nullptr;  // the host tokens resident_ holds
};

// The scatter-adds of the atomic mode and the fused step (host versions for nvcc's host pass).
// atomic_add_old returns the value before; atomic_inc returns it and adds one.
GV_HD void atomic_add(float* p, float v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(p, v);
#else
  *p += v;
#endif
}
GV_HD void atomic_add(double* p, double v) {
#if defined(__CUDA_ARCH__)
  atomicAdd(p, v);
#else
  *p += v;
#endif
}
GV_HD float atomic_add_old(float* p, float v) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(p, v);
#else
  const float old = *p;
  *p = old + v;
  return old;
#endif
}
GV_HD uint32_t atomic_inc(uint32_t* p) {
#if defined(__CUDA_ARCH__)
  return atomicAdd(p, 1u);
#else
  return (*p)++;
#endif
}

}  // namespace gemmvec::GV_PIPELINE_NS
