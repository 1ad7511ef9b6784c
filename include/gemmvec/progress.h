// gemmvec: training progress as a run reports it: a sample, and the sink interface that receives
// samples (the terminal line, the JSON-lines metrics log, a binding's callback).
#pragma once
#include <cstdint>
#include <string>

namespace gemmvec {

struct ProgressSample {
  double seconds = 0;           // training seconds so far (a resumed run's included)
  uint32_t epoch = 0;           // 0-based epoch in progress
  uint32_t epochs = 1;
  double fraction = 0;          // of all epochs' words
  uint64_t raw_words = 0;       // corpus words trained so far (as words/s counts them)
  double words_per_second = 0;
  uint64_t pairs = 0;           // pairs reported by the backend so far
  float lr = 0;
  double loss = 0;              // mean loss per pair since the last sample
  double eta_seconds = 0;
  bool final = false;
};

// Samples arrive in order, from whichever thread reported last (a training thread or the one
// that called train()), with the run's progress lock held: a sink should return quickly.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void update(const ProgressSample& s) = 0;
};

// One line of the metrics log: a JSON object with the fields seconds, epoch, progress, words,
// words_per_sec, pairs, lr and loss (no newline).
std::string metrics_json(const ProgressSample& s);

}  // namespace gemmvec
