// gemmvec: the cpu backend: Hogwild threads over shards of the token stream, one small dense
// group step per group of centers.
#pragma once
#include <memory>

#include "train/backend.h"

namespace gemmvec {

// One center per group, K = k: word2vec.c's objective with HogBatch's row reuse (docs/tuning.md).
constexpr BackendDefaults kCpuDefaults{1, 0, 0, 0};

std::unique_ptr<Backend> make_cpu_backend(const TrainPlan& plan, Embeddings initial);

}  // namespace gemmvec
