// gemmvec: the run's side of TrainControl: the learning-rate schedule, the counters the
// backends report into, the checkpoint and watch timers and the signal check; progress goes to
// sinks.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "run/progress_sink.h"
#include "train/train_control.h"

namespace gemmvec {

struct RunControlOptions {
  double alpha = 0.025;
  double min_alpha_ratio = 1e-4;
  uint64_t words_per_epoch = 0;      // in-vocab words (the lr schedule counts these)
  uint64_t raw_words_per_epoch = 0;  // corpus words, OOV included (words/s counts these)
  uint32_t epochs = 1;
  double sample_seconds = 5;         // period of progress samples to the sinks
  double checkpoint_seconds = 0;     // period of checkpoints (0: only when interrupted)
  double watch_seconds = 0;          // period of pauses to print the watched words (0: none)
  // Where a resumed run starts: words trained, loss so far, training seconds before.
  uint64_t words_done = 0;
  double loss_sum = 0;
  uint64_t loss_pairs = 0;
  double seconds_before = 0;
};

class RunControl final : public TrainControl {
 public:
  // `sinks` (not owned) receive a sample every sample_seconds and a final one.
  RunControl(const RunControlOptions& options, std::vector<ProgressSink*> sinks);

  float lr() const override;
  void report(uint64_t words, double loss, uint64_t pairs) override;
  // checkpoint_due() or watch_due().
  bool should_pause() const override;
  // A signal arrived, the run diverged (a report's loss is NaN or infinite) or a periodic
  // checkpoint is due.
  bool checkpoint_due() const;
  // A signal arrived or the run diverged: nothing but the checkpoint (or the error) is wanted.
  bool must_stop() const;
  // The watched words' neighbours are due (watch_seconds since the last print).
  bool watch_due() const;
  // A backend reported a loss that is not finite: the run must stop without writing vectors.
  bool diverged() const { return diverged_.load(std::memory_order_relaxed); }

  void start_epoch(uint32_t epoch);
  // The checkpoint was written: the next one is due a period from now.
  void checkpoint_written();
  // The watched words were printed: the next print is due a period from now.
  void watch_printed();
  // Ends the run: sends the final sample, returns the seconds of training.
  double finish();

  uint64_t words_done() const { return words_.load(std::memory_order_relaxed); }
  double seconds() const;
  // Mean loss per pair since the start; the sums behind it.
  double mean_loss() const;
  // Mean loss per pair of the last sample's interval (after finish(): the final one), as the sinks
  // saw it; a resumed run's mean so far until its first sample.
  double last_loss() const;
  double loss_sum() const;
  uint64_t loss_pairs() const;

 private:
  ProgressSample sample(bool final) const;  // with mu_ held
  RunControlOptions opt_;
  std::vector<ProgressSink*> sinks_;
  std::atomic<uint64_t> words_{0};
  std::atomic<uint64_t> pairs_{0};
  std::atomic<bool> diverged_{false};
  double loss_ = 0;           // guarded by mu_
  uint64_t loss_pairs_ = 0;   // guarded by mu_
  double window_loss_ = 0;    // since the last sample
  uint64_t window_pairs_ = 0;
  double last_loss_ = 0;      // the last sample's loss
  uint32_t epoch_ = 0;
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_sample_, last_checkpoint_, last_watch_;
};

}  // namespace gemmvec
