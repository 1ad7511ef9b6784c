// gemmvec: the GEMM pipeline (backends cuda and cuda-host), internal interface: one batch step
// and an epoch driver, for the backends and the tests. Not a public header.
//
// The same source (pipeline.inl) is built twice: by g++ with Thrust's host system and OpenBLAS
// (make_host_pipeline), and by nvcc with cuBLAS (make_cuda_pipeline). docs/algorithm.md is the
// contract; docs/performance-model.md explains the layout.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "gemmvec/checkpoint.h"
#include "gemmvec/embeddings.h"
#include "gemmvec/errors.h"
#include "train/train_control.h"
#include "data/token_cache.h"
#include "train/train_plan.h"

namespace gemmvec::pipeline {

// Memory ran out (device memory, or host memory in the host build): the pipeline turns this
// into a message naming the sizes and the config keys that shrink them.
struct DeviceOutOfMemory : ResourceError {
  DeviceOutOfMemory(const std::string& what, size_t bytes) : ResourceError(what), bytes(bytes) {}
  size_t bytes;
};

// A GEMM operand as stored, or transposed.
enum class Op { kN, kT };

// What one step did.
struct StepStats {
  uint64_t words = 0;     // in-vocab words of the batch (breaks excluded)
  uint64_t kept = 0;      // words kept by subsampling
  uint64_t pairs = 0;     // training pairs (skip-gram: (context, center); CBOW: centers with context)
  uint64_t groups = 0;    // groups with at least one kept center
  double loss = 0;        // sum over pairs of positive_loss + negative_loss
  uint32_t slot_rows = 0; // R: rows per GEMM slot chosen for this batch (0 if no pairs)
  uint64_t slots = 0;     // GEMM slots (problems per batched GEMM)
  bool overflow = false;  // the batch did not fit the scratch buffers; nothing was updated
};

// The draws and pairs of one step, in the pipeline's order, for tests. Positions are corpus
// positions (base + index in the batch).
struct StepTrace {
  std::vector<uint64_t> kept;            // positions of kept words, ascending
  std::vector<uint64_t> pair_center;     // per (center, context): center position
  std::vector<uint64_t> pair_context;    // per (center, context): context position
  std::vector<uint64_t> groups;          // ids of groups with a kept center, ascending
  std::vector<uint32_t> negatives;       // (groups, K) negatives of those groups
};

class Pipeline {
 public:
  virtual ~Pipeline() = default;
  virtual std::string name() const = 0;
  // One step on a batch of whole sentences: tokens (host memory) at corpus positions
  // base..base+n-1. Fills `trace` when given.
  virtual StepStats step(const uint32_t* tokens, size_t n, uint64_t base, uint32_t epoch, float lr,
                         StepTrace* trace = nullptr) = 0;
  // Epoch cursor.epoch in batches of about plan.batch_words positions (cut at sentence
  // breaks), from the cursor's batch boundary; as Backend::train_epoch.
  virtual bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, TrainControl& control) = 0;
  virtual void download(Embeddings& model) = 0;
  // Bytes of scratch and matrices held on the device (host memory for cuda-host).
  virtual size_t bytes_held() const = 0;
  // Whether the fused step now replays a recording (Launch::replay, after the first batch of an
  // epoch, unless the capture failed).
  virtual bool replays() const = 0;
};

// How a pipeline launches its step.
struct Launch {
  // Host build (tests): launches whose size the GPU keeps on the device take the capacity as
  // the GPU does, and the surplus exits early here too. The GPU always does.
  bool capacity = false;
  // The fused step of an epoch is recorded at its first batch and replayed for the others: a
  // CUDA graph on the GPU; on the host, the recorded closure (tests compare it with false).
  bool replay = true;
  // The epoch's tokens are uploaded once and stay on the device where they fit; without, every
  // batch streams through the staging buffers (on the host both read the tokens in place).
  bool resident = true;
};

// The host build (Thrust's host system, OpenBLAS); null if this gemmvec has no Thrust.
std::unique_ptr<Pipeline> make_host_pipeline(const TrainPlan& plan, Embeddings initial, Launch launch = {});
// The CUDA build on device 0; throws DeviceError (one line) if it cannot run.
std::unique_ptr<Pipeline> make_cuda_pipeline(const TrainPlan& plan, Embeddings initial, Launch launch = {});
// Empty if a CUDA device is usable, else why not.
std::string cuda_problem();

// Batch boundaries: ends (exclusive) of consecutive batches of whole sentences, each at least
// `batch_words` positions unless the stream ends first; the last end is n.
std::vector<size_t> cut_batches(const uint32_t* tokens, size_t n, size_t batch_words,
                                const std::function<void(size_t)>& scanned = {});
// A cut near the middle of [begin, end) right after a sentence break, or `end` if the range is
// one sentence. Used to split a batch that overflows the scratch buffers.
size_t split_point(const uint32_t* tokens, size_t begin, size_t end);

}  // namespace gemmvec::pipeline
