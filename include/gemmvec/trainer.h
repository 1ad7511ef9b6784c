// gemmvec: a whole training run: prepare the corpus, pick the backend, train, write, evaluate.
#pragma once
#include <string>

#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"

namespace gemmvec {

struct RunSummary {
  std::string backend;
  double train_seconds = 0;
  double total_seconds = 0;
  uint64_t raw_words = 0;      // corpus words per epoch
  double words_per_second = 0; // raw words * epochs / train_seconds
  double final_loss = 0;
};

// Trains as config says; from `resume` (its matrices are moved out) when given. Writes
// checkpoints to checkpoint_path(config) every train.checkpoint_minutes and when a signal
// arrives (then throws Interrupted); removes the checkpoint when the run completes.
RunSummary train(const Config& config, Checkpoint* resume = nullptr);
std::string checkpoint_path(const Config& config);

}  // namespace gemmvec
