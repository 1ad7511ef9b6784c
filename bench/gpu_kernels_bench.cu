// gemmvec GPU microbenchmarks: the GEMM pipeline's device step on one 16,384-word batch
// (defaults: group 8, K 16, cap 128, dim 100, a 73k-word Zipf vocab) beside the library calls
// that bound its two heavy parts: cublasSgemm of the scores' shape (pairs x d) x (d x K), and a
// Thrust sort_by_key + reduce_by_key of the row updates (the scatter's baseline). CUDA events
// time the device work. Without a usable GPU it prints one line and exits 1. Run by
// scripts/gpu-check.sh: gemmvec_gpu_bench --benchmark_format=json.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <thrust/device_vector.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>

#include <cstdio>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "math/output_loss.h"
#include "math/sampling.h"
#include "pipeline.h"

namespace gemmvec {
namespace {

constexpr uint32_t kVocab = 73000, kDim = 100, kBatchWords = 16384, kK = 16;

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
void check(cublasStatus_t s, const char* what) {
  if (s != CUBLAS_STATUS_SUCCESS) throw std::runtime_error(std::string(what) + ": cuBLAS status " + std::to_string(s));
}

// Times device work between two events, for UseManualTime.
class EventTimer {
 public:
  EventTimer() {
    check(cudaEventCreate(&a_), "cudaEventCreate");
    check(cudaEventCreate(&b_), "cudaEventCreate");
  }
  ~EventTimer() {
    cudaEventDestroy(a_);
    cudaEventDestroy(b_);
  }
  void start() { check(cudaEventRecord(a_), "cudaEventRecord"); }
  double stop_seconds() {
    check(cudaEventRecord(b_), "cudaEventRecord");
    check(cudaEventSynchronize(b_), "cudaEventSynchronize");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, a_, b_), "cudaEventElapsedTime");
    return ms / 1e3;
  }

 private:
  cudaEvent_t a_, b_;
};

struct Workload {
  std::vector<uint64_t> counts = std::vector<uint64_t>(kVocab);
  std::vector<uint32_t> tokens;  // (n) Zipf words, sentences of 5..40 words
  TrainPlan plan;
  Workload() {
    uint64_t total = 0;
    for (uint32_t i = 0; i < kVocab; ++i) total += counts[i] = 1 + 100000000 / (i + 1);
    plan.dim = kDim;
    plan.group_size = 8;
    plan.group_negatives = kK;
    plan.batch_words = kBatchWords;
    plan.row_update_cap = 128;
    plan.keep.resize(kVocab);
    for (uint32_t i = 0; i < kVocab; ++i) plan.keep[i] = keep_probability(counts[i], total, 1e-4);
    plan.noise = AliasTable(counts, 0.75);
    std::mt19937 rng(3);
    std::discrete_distribution<uint32_t> word(counts.begin(), counts.end());
    for (size_t words = 0; words < kBatchWords;) {
      const uint32_t len = 5 + rng() % 36;
      for (uint32_t i = 0; i < len; ++i) tokens.push_back(word(rng));
      tokens.push_back(kSentenceBreak);
      words += len;
    }
  }
  Embeddings model() const {
    Embeddings m;
    m.rows = kVocab;
    m.dim = kDim;
    m.in.assign(size_t(kVocab) * kDim, 0.001f);
    m.out.assign(size_t(kVocab) * kDim, 0.001f);
    return m;
  }
};

const Workload& workload() {
  static Workload w;
  return w;
}

// The whole device step (upload of the batch included), fresh draws each batch.
void BM_PipelineStep(benchmark::State& state) {
  const Workload& w = workload();
  std::unique_ptr<pipeline::Pipeline> p = pipeline::make_cuda_pipeline(w.plan, w.model());
  EventTimer timer;
  uint64_t base = 0, pairs = 0;
  for (auto _ : state) {
    timer.start();
    const pipeline::StepStats st = p->step(w.tokens.data(), w.tokens.size(), base, 0, 0.025f);
    state.SetIterationTime(timer.stop_seconds());
    pairs += st.pairs;
    base += w.tokens.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatchWords));
  state.counters["pairs/batch"] = double(pairs) / double(state.iterations());
}
BENCHMARK(BM_PipelineStep)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Baseline of the scores GEMM: one plain (rows x d) x (d x K) product, rows = pairs of a batch.
void BM_CublasSgemmScores(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0));
  thrust::device_vector<float> a(size_t(rows) * kDim, 0.01f), b(size_t(kDim) * kK, 0.01f), c(size_t(rows) * kK);
  cublasHandle_t h;
  check(cublasCreate(&h), "cublasCreate");
  const float one = 1, zero = 0;
  EventTimer timer;
  for (auto _ : state) {
    timer.start();
    // Column-major C^T (K x rows) = B^T (K x d) A^T (d x rows): row-major C = A B.
    check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, kK, rows, kDim, &one, thrust::raw_pointer_cast(b.data()), kK,
                      thrust::raw_pointer_cast(a.data()), kDim, &zero, thrust::raw_pointer_cast(c.data()), kK),
          "cublasSgemm");
    state.SetIterationTime(timer.stop_seconds());
  }
  cublasDestroy(h);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
}
BENCHMARK(BM_CublasSgemmScores)->Arg(40000)->Arg(80000)->UseManualTime()->Unit(benchmark::kMicrosecond);

struct RowOf {
  const uint32_t* key;
  __host__ __device__ uint64_t operator()(uint64_t i) const { return uint64_t(key[i / kDim]) * kDim + i % kDim; }
};
struct ValueOf {
  const uint32_t* order;
  const float* grad;
  __host__ __device__ float operator()(uint64_t i) const { return grad[size_t(order[i / kDim]) * kDim + i % kDim]; }
};

// Baseline of the scatter: sort `entries` row updates by row, then sum each row's d columns.
void BM_ThrustSortReduceByKey(benchmark::State& state) {
  const size_t entries = static_cast<size_t>(state.range(0));
  std::mt19937 rng(5);
  std::vector<uint32_t> host_keys(entries);
  for (auto& k : host_keys) k = rng() % kVocab;
  thrust::device_vector<uint32_t> keys0(host_keys), keys(entries), order(entries);
  thrust::device_vector<float> grad(entries * kDim, 0.001f), sums(entries * kDim);
  thrust::device_vector<uint64_t> out_keys(entries * kDim);
  EventTimer timer;
  for (auto _ : state) {
    keys = keys0;
    timer.start();
    thrust::sequence(order.begin(), order.end());
    thrust::sort_by_key(keys.begin(), keys.end(), order.begin());
    thrust::counting_iterator<uint64_t> i(0);
    thrust::reduce_by_key(thrust::make_transform_iterator(i, RowOf{thrust::raw_pointer_cast(keys.data())}),
                          thrust::make_transform_iterator(i + entries * kDim, RowOf{thrust::raw_pointer_cast(keys.data())}),
                          thrust::make_transform_iterator(i, ValueOf{thrust::raw_pointer_cast(order.data()),
                                                                     thrust::raw_pointer_cast(grad.data())}),
                          out_keys.begin(), sums.begin());
    state.SetIterationTime(timer.stop_seconds());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * entries));
}
BENCHMARK(BM_ThrustSortReduceByKey)->Arg(100000)->Arg(200000)->UseManualTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gemmvec

int main(int argc, char** argv) {
  const std::string problem = gemmvec::pipeline::cuda_problem();
  if (!problem.empty()) {
    std::fprintf(stderr, "gemmvec_gpu_bench: no usable GPU: %s\n", problem.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  try {
    benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gemmvec_gpu_bench: %s\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
  return 0;
}
