// gemmvec: the backend interface (cpu in src/cpu; cuda and cuda-host in cuda/). Which backends
// exist, and their defaults, is run/backends.h.
#pragma once
#include <memory>
#include <string>

#include "gemmvec/checkpoint.h"
#include "gemmvec/embeddings.h"
#include "data/token_cache.h"
#include "train/train_control.h"
#include "train/train_plan.h"

namespace gemmvec {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Trains epoch cursor.epoch over the token stream from the cursor's positions (none: the
  // start) until the epoch ends (returns true) or control.should_pause() (returns false);
  // either way cursor.shards then holds where each shard stands, a point to resume from.
  // Reads the learning rate from and reports words, pairs and loss to `control`.
  virtual bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, TrainControl& control) = 0;
  // Copies the current matrices to the host.
  virtual void download(Embeddings& model) = 0;
  // Bytes the backend holds on a GPU (matrices, tables, scratch); 0 on the host.
  virtual size_t device_bytes() const { return 0; }
};

}  // namespace gemmvec
