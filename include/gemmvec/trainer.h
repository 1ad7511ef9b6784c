// gemmvec: a whole training run: prepare the corpus, pick the backend, train, write, evaluate.
#pragma once
#include <string>
#include <vector>

#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"
#include "gemmvec/progress.h"
#include "gemmvec/vectors_io.h"

namespace gemmvec {

// A resumed run's seconds count its training before the checkpoint too.
struct RunSummary {
  std::string backend;
  double train_seconds = 0;
  double total_seconds = 0;    // training, reading, writing and scoring
  uint64_t raw_words = 0;      // corpus words per epoch
  double words_per_second = 0; // raw words * epochs / train_seconds
  double final_loss = 0;       // mean loss per pair of the last progress interval (the loss curve's last point)
  double mean_loss = 0;        // mean loss per pair over the whole run
};

// Trains as config says; from `resume` (its matrices are moved out) when given. Writes
// checkpoints to checkpoint_path(config) every train.checkpoint_minutes and when a signal
// arrives (then throws Interrupted); removes the checkpoint when the run completes.
// `config_file` is the file the config came from ("" if none): it counts as an input, so no
// output (PATH.yaml among them) may overwrite it. Before anything is read, an output that is
// the same file as an input is a UsageError, and an output folder that cannot be created or
// written an InputError.
RunSummary train(const Config& config, Checkpoint* resume = nullptr, const std::string& config_file = "");

// What a program embedding gemmvec (the Python binding) adds to a run.
struct RunHooks {
  std::vector<ProgressSink*> sinks;  // not owned: every sample, beside the metrics log
  bool terminal_progress = true;     // the progress line on stderr (off when a sink shows progress)
  WordVectors* vectors = nullptr;    // receives the words and input vectors the run wrote
};
// train() with hooks: the same run, outputs and errors.
RunSummary train(const Config& config, Checkpoint* resume, const std::string& config_file, const RunHooks& hooks);
// output.checkpoint, else output.path + ".ckpt"; "" when output.path is a device or FIFO
// (nothing is written beside it, so such a run keeps no checkpoint unless output.checkpoint
// names one).
std::string checkpoint_path(const Config& config);

}  // namespace gemmvec
