// gemmvec microbenchmarks: the CPU group step (skip-gram window, CBOW) and negative draws,
// on a vocabulary as large as the reference corpus's so rows come from L2/L3 as in training.
#include <benchmark/benchmark.h>

#include <random>

#include "cpu/cpu_step.h"
#include "train/alias_table.h"

namespace gemmvec {
namespace {

constexpr uint32_t kVocab = 73000;

Embeddings make_model(uint32_t dim) {
  Embeddings m;
  m.rows = kVocab;
  m.dim = dim;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  m.in.resize(size_t(kVocab) * dim);
  m.out.resize(size_t(kVocab) * dim);
  for (auto& x : m.in) x = u(rng);
  for (auto& x : m.out) x = u(rng);
  return m;
}

// One center with `ctx` contexts (skip-gram) or one CBOW pair, K negatives, Zipf-ish ids.
void BM_GroupStep(benchmark::State& state) {
  const uint32_t dim = state.range(0), ctx = 6, k = 5;
  const bool cbow = state.range(1);
  Embeddings m = make_model(dim);
  std::mt19937 rng(2);
  std::vector<uint64_t> counts(kVocab);
  for (uint32_t i = 0; i < kVocab; ++i) counts[i] = 1 + 10000000 / (i + 1);
  const AliasTable noise(counts, 1.0);
  const AliasView q = noise.view();
  GroupPairs g;
  StepScratch scratch;
  uint64_t n = 0;
  for (auto _ : state) {
    g.clear();
    g.outs.push_back(q.draw(rng(), rng()));
    for (uint32_t c = 0; c < ctx; ++c) {
      g.inputs.push_back(q.draw(rng(), rng()));
      if (!cbow) {
        g.input_begin.push_back(uint32_t(g.inputs.size()));
        g.out_of.push_back(0);
      }
    }
    if (cbow) {
      g.input_begin.push_back(uint32_t(g.inputs.size()));
      g.out_of.push_back(0);
    }
    g.negatives.resize(k);
    for (uint32_t j = 0; j < k; ++j) g.negatives[j] = draw_negative(q, 1, 0, n, j);
    benchmark::DoNotOptimize(cpu_group_step(m, g, {0.025f, 1.0f}, nullptr, scratch, false));
    ++n;
  }
  state.SetItemsProcessed(state.iterations());  // centers
}
BENCHMARK(BM_GroupStep)->ArgsProduct({{100, 300}, {0, 1}})->ArgNames({"dim", "cbow"});

void BM_DrawNegative(benchmark::State& state) {
  std::vector<uint64_t> counts(kVocab);
  for (uint32_t i = 0; i < kVocab; ++i) counts[i] = 1 + 10000000 / (i + 1);
  const AliasTable noise(counts, 0.75);
  const AliasView q = noise.view();
  uint64_t g = 0, sum = 0;
  for (auto _ : state) {
    for (uint32_t j = 0; j < 5; ++j) sum += draw_negative(q, 1, 0, g, j);
    ++g;
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(state.iterations() * 5);
}
BENCHMARK(BM_DrawNegative);

}  // namespace
}  // namespace gemmvec
