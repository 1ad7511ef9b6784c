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
  // Mean loss per pair since the start.
  double mean_loss() const;

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
  std::mutex mu_;
  std::chrono::steady_clock::time_point start_, last_print_;
  bool tty_ = false;
  std::FILE* metrics_ = nullptr;
};

}  // namespace gemmvec
