// gemmvec: the backend interface (CPU, CUDA, and the CUDA pipeline built for the host).
#pragma once
#include <memory>
#include <string>

#include "gemmvec/checkpoint.h"
#include "gemmvec/embeddings.h"
#include "gemmvec/progress.h"
#include "gemmvec/token_cache.h"
#include "gemmvec/train_plan.h"

namespace gemmvec {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Trains epoch cursor.epoch over the token stream from the cursor's positions (none: the
  // start) until the epoch ends (returns true) or progress.pause_requested() (returns false);
  // either way cursor.shards then holds where each shard stands, a point to resume from.
  // Reads the learning rate from and reports words, pairs and loss to `progress`.
  virtual bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, Progress& progress) = 0;
  // Copies the current matrices to the host.
  virtual void download(Embeddings& model) = 0;
  // Bytes the backend holds on a GPU (matrices, tables, scratch); 0 on the host.
  virtual size_t device_bytes() const { return 0; }
};

// Backend defaults, chosen by measurement (docs/tuning.md).
struct BackendDefaults {
  uint32_t group_size, group_negatives, batch_words;
  float row_update_cap;
};
BackendDefaults backend_defaults(const std::string& backend);

std::unique_ptr<Backend> make_cpu_backend(const TrainPlan& plan, Embeddings initial);
// The CUDA pipeline built by g++ with Thrust's host backend and OpenBLAS; null if not built.
std::unique_ptr<Backend> make_cuda_host_backend(const TrainPlan& plan, Embeddings initial);
// The CUDA backend on the first device; throws std::runtime_error with one line naming why if
// there is no usable GPU or it was not built.
std::unique_ptr<Backend> make_cuda_backend(const TrainPlan& plan, Embeddings initial);
// Empty string if a usable CUDA device is present, else the one-line reason.
std::string cuda_unavailable_reason();

}  // namespace gemmvec
