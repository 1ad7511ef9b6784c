// gemmvec: progress reporting: one refreshing line on a terminal, periodic lines otherwise.
#include "gemmvec/progress.h"

#include <unistd.h>

#include <cstdio>

#include "gemmvec/interrupt.h"
#include "gemmvec/negative_sampling.h"

namespace gemmvec {

Progress::Progress(const ProgressOptions& options)
    : opt_(options), words_(options.words_done), loss_(options.loss_sum), loss_pairs_(options.loss_pairs) {
  start_ = last_print_ = last_checkpoint_ = std::chrono::steady_clock::now();
  tty_ = isatty(STDERR_FILENO);
  if (!opt_.metrics_path.empty()) {
    // A resumed run appends to the log it started.
    metrics_ = std::fopen(opt_.metrics_path.c_str(), opt_.words_done > 0 ? "a" : "w");
    if (!metrics_) std::fprintf(stderr, "gemmvec: cannot write metrics log %s (check the folder exists)\n", opt_.metrics_path.c_str());
  }
}

Progress::~Progress() {
  if (metrics_) std::fclose(metrics_);
}

float Progress::lr() const {
  return learning_rate(opt_.alpha, opt_.min_alpha_ratio, words_done(),
                       opt_.words_per_epoch * opt_.epochs);
}

double Progress::seconds() const {
  return opt_.seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool Progress::pause_requested() const {
  if (interrupt_signal() != 0) return true;
  if (opt_.checkpoint_seconds <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_checkpoint_).count() >=
         opt_.checkpoint_seconds;
}

void Progress::checkpoint_written() {
  std::lock_guard<std::mutex> lock(mu_);
  last_checkpoint_ = std::chrono::steady_clock::now();
}

void Progress::start_epoch(uint32_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  epoch_ = epoch;
}

double Progress::mean_loss() const {
  return loss_pairs_ ? loss_ / static_cast<double>(loss_pairs_) : 0.0;
}

void Progress::add(uint64_t words, double loss, uint64_t pairs) {
  words_.fetch_add(words, std::memory_order_relaxed);
  pairs_.fetch_add(pairs, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  loss_ += loss;
  loss_pairs_ += pairs;
  window_loss_ += loss;
  window_pairs_ += pairs;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (since >= (tty_ ? 0.25 : opt_.print_seconds)) {
    last_print_ = now;
    report(false);
  }
}

// Called with mu_ held.
void Progress::report(bool final) {
  const uint64_t total = opt_.words_per_epoch * opt_.epochs;
  const uint64_t done = words_done();
  const double secs = seconds();
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const double raw_ratio = opt_.words_per_epoch
                               ? static_cast<double>(opt_.raw_words_per_epoch) / opt_.words_per_epoch
                               : 1.0;
  const double wps = secs > 0 ? static_cast<double>(done) * raw_ratio / secs : 0.0;
  const double loss = window_pairs_ ? window_loss_ / static_cast<double>(window_pairs_) : 0.0;
  const double eta = frac > 0 ? secs * (1.0 - frac) / frac : 0.0;
  if (!opt_.quiet) {
    std::fprintf(stderr, "%sepoch %u/%u  %5.1f%%  %8.0f words/s  lr %.6f  loss %.4f  eta %5.0fs%s",
                 tty_ ? "\r" : "", epoch_ + 1, opt_.epochs, 100.0 * frac, wps, lr(), loss, eta,
                 tty_ && !final ? "" : "\n");
    std::fflush(stderr);
  }
  if (metrics_) {
    std::fprintf(metrics_,
                 "{\"seconds\":%.3f,\"epoch\":%u,\"progress\":%.6f,\"words\":%llu,\"words_per_sec\":%.1f,"
                 "\"pairs\":%llu,\"lr\":%.7f,\"loss\":%.6f}\n",
                 secs, epoch_, frac, static_cast<unsigned long long>(static_cast<double>(done) * raw_ratio),
                 wps, static_cast<unsigned long long>(pairs_.load()), lr(), loss);
    std::fflush(metrics_);
  }
  window_loss_ = 0;
  window_pairs_ = 0;
}

double Progress::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  report(true);
  return seconds();
}

}  // namespace gemmvec
