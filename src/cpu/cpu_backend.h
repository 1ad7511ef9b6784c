// gemmvec: the cpu backend: Hogwild threads over shards of the token stream, one small dense
// group step per group of centers.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "train/backend.h"

namespace gemmvec {

// One center per group, K = k: word2vec.c's objective with HogBatch's row reuse (docs/tuning.md).
constexpr BackendDefaults kCpuDefaults{1, 0, 0, 0};

std::unique_ptr<Backend> make_cpu_backend(const TrainPlan& plan, Embeddings initial);

// What the worker drew and trained, so the tests can hold it to docs/algorithm.md. Pairs are
// flattened to (center, context) for CBOW too.
struct CpuTrace {
  std::vector<uint64_t> kept;            // positions of kept words, ascending
  std::vector<uint64_t> pair_center;     // per (center, context): center position
  std::vector<uint64_t> pair_context;    // per (center, context): context position
  std::vector<uint64_t> step_group;      // per group step: its group id
  std::vector<uint64_t> step_pairs_end;  // per group step: pair_center.size() after its pairs
  std::vector<uint32_t> step_negatives;  // (steps, K) the negatives each step trained with
};

// The cpu backend, appending to `trace` as it trains; one thread only (the trace is not shared
// between workers), else train_epoch throws std::invalid_argument.
std::unique_ptr<Backend> make_traced_cpu_backend(const TrainPlan& plan, Embeddings initial, CpuTrace* trace);

}  // namespace gemmvec
