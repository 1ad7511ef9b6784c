// gemmvec: a training checkpoint: the resolved config, where the run stands, and both matrices.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gemmvec/embeddings.h"

namespace gemmvec {

// Where a run stands: the epoch in progress and, per shard of the token stream, the position
// of the next token to train (empty: the epoch has not started). Positions are sentence or
// batch boundaries, so a run resumed from them trains exactly what it would have trained.
struct TrainCursor {
  uint32_t epoch = 0;
  std::vector<uint64_t> shards;
};

struct Checkpoint {
  std::string config_yaml;   // the resolved config the run was started with
  std::string backend;       // the backend that trained (cpu, cuda, cuda-host)
  TrainCursor cursor;
  uint64_t words_done = 0;   // in-vocab words trained so far (the learning-rate schedule)
  double loss_sum = 0;       // loss and pairs so far (the run's mean loss)
  uint64_t loss_pairs = 0;
  double train_seconds = 0;  // training time before this checkpoint
  uint64_t stream_tokens = 0;  // the token stream it was trained on (size with breaks, words):
  uint64_t stream_words = 0;   // resume refuses a different one
  uint64_t vocab_hash = 0;     // of the vocabulary's words and counts: resume refuses another
  Embeddings model;
};

// Writes the checkpoint atomically (a fresh PATH.tmp.XXXXXX, fsync, rename) with a CRC-32 of its contents.
void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
// Reads a checkpoint; throws InputError naming the file and the fix if it is missing, not a
// checkpoint, from another version, truncated or corrupt.
Checkpoint load_checkpoint(const std::string& path);

}  // namespace gemmvec
