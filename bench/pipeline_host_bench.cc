// gemmvec microbenchmarks: the GEMM pipeline's subsampling and pair expansion as built for the
// host (cuda/pipeline_steps.inl on Thrust's host system, as backend cuda-host runs it): one
// 16,384-word batch through sentence scan, keep test, windows, pair offsets, groups and Expand
// (R = 1: one row per pair).
#define GV_PIPELINE_NS bench_pipeline
#include "platform_host.h"
// (platform first: the steps build on it)
#include "pipeline_steps.inl"

#include <benchmark/benchmark.h>

#include <random>

#include "math/output_loss.h"
#include "math/sampling.h"

namespace gemmvec::bench_pipeline {
namespace {

constexpr uint32_t kVocab = 73000;
constexpr size_t kBatchWords = 16384;

struct Batch {
  std::vector<uint64_t> counts;
  std::vector<float> keep;
  std::vector<uint32_t> tokens;  // (n) Zipf words, sentences of 5..40 words
  Batch() : counts(kVocab), keep(kVocab) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < kVocab; ++i) total += counts[i] = 1 + 100000000 / (i + 1);
    for (uint32_t i = 0; i < kVocab; ++i) keep[i] = keep_probability(counts[i], total, 1e-4);
    std::mt19937 rng(3);
    std::discrete_distribution<uint32_t> word(counts.begin(), counts.end());
    size_t words = 0;
    while (words < kBatchWords) {
      const uint32_t len = 5 + rng() % 36;
      for (uint32_t i = 0; i < len; ++i) tokens.push_back(word(rng));
      tokens.push_back(kSentenceBreak);
      words += len;
    }
  }
};

// Stages 1-3 and Expand of GemmPipeline::run, on the same functors.
void BM_SubsampleAndExpand(benchmark::State& state) {
  const Batch b;
  const uint32_t n = static_cast<uint32_t>(b.tokens.size()), window = 5, group_size = 8;
  const bool cbow = state.range(0);
  auto pol = thrust::cpp::par;
  std::vector<uint32_t> sentence(n), kept_pos(n), word(n), kept_sentence(n), lo(n), hi(n), count(n),
      pair_off(n), group(n), group_off(n), row_center, row_context;
  std::vector<uint32_t> kept_index(n);
  std::vector<uint64_t> gid(n), group_id(n);
  StepCounts counts;
  StepInputs in;
  in.tokens = b.tokens.data();
  in.n = n;
  uint64_t pairs_total = 0;
  for (auto _ : state) {
    thrust::transform_exclusive_scan(pol, Index(0), Index(n), sentence.data(), IsBreak{&in}, 0u,
                                     thrust::plus<uint32_t>());
    const KeepTest keep{&in, b.keep.data(), 1};
    thrust::transform_exclusive_scan(pol, Index(0), Index(n), kept_index.data(), KeepFlag{keep}, 0u,
                                     thrust::plus<uint32_t>());
    thrust::for_each_n(pol, Index(0), n, CompactKept{keep, kept_index.data(), kept_pos.data(), &counts});
    const uint32_t m = counts.m;
    thrust::for_each_n(pol, Index(0), m,
                       KeptInfo{&counts, &in, sentence.data(), kept_pos.data(), word.data(), kept_sentence.data()});
    thrust::for_each_n(pol, Index(0), m,
                       Windows{&counts, &in, kept_pos.data(), kept_sentence.data(), 1, window, group_size, cbow,
                               lo.data(), hi.data(), count.data(), gid.data()});
    thrust::exclusive_scan(pol, count.data(), count.data() + m, pair_off.data(), 0u);
    thrust::transform_exclusive_scan(pol, Index(0), Index(m), group.data(), NextStartsGroup{&counts, gid.data()}, 0u,
                                     thrust::plus<uint32_t>());
    thrust::for_each_n(pol, Index(0), 1, CountTotals{pair_off.data(), count.data(), group.data(), &counts});
    const uint32_t pairs = counts.pairs;
    thrust::for_each_n(pol, Index(0), m,
                       GroupStarts{&counts, gid.data(), group.data(), pair_off.data(), group_id.data(),
                                   group_off.data()});
    row_center.resize(pairs);
    row_context.resize(pairs);
    // R = 1: a group's slots start at its first pair, so slot_off is group_off.
    thrust::for_each_n(pol, Index(0), m,
                       Expand{lo.data(), hi.data(), count.data(), group.data(), group_off.data(), pair_off.data(),
                              group_off.data(), 1, cbow, row_center.data(), row_context.data()});
    benchmark::DoNotOptimize(row_context.data());
    pairs_total += pairs;
    in.base += n;  // fresh draws every batch, as consecutive batches of an epoch
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatchWords));  // corpus words
  state.counters["pairs/batch"] = static_cast<double>(pairs_total) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_SubsampleAndExpand)->Arg(0)->Arg(1)->ArgName("cbow")->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace gemmvec::bench_pipeline
