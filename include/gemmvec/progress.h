// gemmvec: training progress shared by the backends' threads: learning rate, loss, words/s.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace gemmvec {

struct ProgressOptions {
  double alpha = 0.025;
  double min_alpha_ratio = 1e-4;
  uint64_t words_per_epoch = 0;      // in-vocab words (the lr schedule counts these)
  uint64_t raw_words_per_epoch = 0;  // corpus words, OOV included (words/s counts these)
  uint32_t epochs = 1;
  double print_seconds = 5;          // period of progress lines when not a terminal
  bool quiet = false;
  std::string metrics_path;          // JSON-lines log; empty: none
  double checkpoint_seconds = 0;     // period of checkpoints (0: only when interrupted)
  // Where a resumed run starts: words trained, loss so far, training seconds before.
  uint64_t words_done = 0;
  double loss_sum = 0;
  uint64_t loss_pairs = 0;
  double seconds_before = 0;
};

class Progress {
 public:
  explicit Progress(const ProgressOptions& options);
  ~Progress();
  // Called by workers every few thousand words: adds to the counters, may print a line.
  void add(uint64_t words, double loss, uint64_t pairs);
  // Learning rate at the current global position.
  float lr() const;
  void start_epoch(uint32_t epoch);
  // Ends the run: prints the final line, returns wall seconds of training.
  double finish();
  uint64_t words_done() const { return words_.load(std::memory_order_relaxed); }
  double seconds() const;
  // Mean loss per pair since the start; the sums behind it.
  double mean_loss() const;
  double loss_sum() const { return loss_; }
  uint64_t loss_pairs() const { return loss_pairs_; }
  // True when the backends should stop at their next resume point: a signal arrived or a
  // periodic checkpoint is due. Polled by the workers as they report.
  bool pause_requested() const;
  // The checkpoint was written: the next one is due a period from now.
  void checkpoint_written();

 private:
  void report(bool final);
  ProgressOptions opt_;
  std::atomic<uint64_t> words_{0};
  std::atomic<uint64_t> pairs_{0};
  double loss_ = 0;           // guarded by mu_
  uint64_t loss_pairs_ = 0;   // guarded by mu_
  double window_loss_ = 0;    // since the last report
  uint64_t window_pairs_ = 0;
  uint32_t epoch_ = 0;
  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_print_, last_checkpoint_;
  bool tty_ = false;
  std::FILE* metrics_ = nullptr;
};

}  // namespace gemmvec
