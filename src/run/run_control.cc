// gemmvec: RunControl: the learning-rate schedule, progress counters, checkpoint timer and
// signal check behind TrainControl.
#include "run/run_control.h"

#include <cmath>

#include "base/interrupt.h"
#include "math/sampling.h"

namespace gemmvec {

RunControl::RunControl(const RunControlOptions& options, std::vector<ProgressSink*> sinks)
    : opt_(options), sinks_(std::move(sinks)), words_(options.words_done), loss_(options.loss_sum),
      loss_pairs_(options.loss_pairs),
      last_loss_(options.loss_pairs ? options.loss_sum / static_cast<double>(options.loss_pairs) : 0.0) {
  start_ = last_sample_ = last_checkpoint_ = last_watch_ = std::chrono::steady_clock::now();
}

float RunControl::lr() const {
  return learning_rate(opt_.alpha, opt_.min_alpha_ratio, words_done(), opt_.words_per_epoch * opt_.epochs);
}

double RunControl::seconds() const {
  return opt_.seconds_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

bool RunControl::should_pause() const { return checkpoint_due() || watch_due(); }

bool RunControl::must_stop() const { return interrupt_signal() != 0 || diverged(); }

bool RunControl::checkpoint_due() const {
  if (must_stop()) return true;
  if (opt_.checkpoint_seconds <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_checkpoint_).count() >=
         opt_.checkpoint_seconds;
}

bool RunControl::watch_due() const {
  if (opt_.watch_seconds <= 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_watch_).count() >= opt_.watch_seconds;
}

void RunControl::checkpoint_written() {
  std::lock_guard<std::mutex> lock(mu_);
  last_checkpoint_ = std::chrono::steady_clock::now();
}

void RunControl::watch_printed() {
  std::lock_guard<std::mutex> lock(mu_);
  last_watch_ = std::chrono::steady_clock::now();
}

void RunControl::start_epoch(uint32_t epoch) {
  std::lock_guard<std::mutex> lock(mu_);
  epoch_ = epoch;
}

double RunControl::mean_loss() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loss_pairs_ ? loss_ / static_cast<double>(loss_pairs_) : 0.0;
}

double RunControl::last_loss() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_loss_;
}

double RunControl::loss_sum() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loss_;
}

uint64_t RunControl::loss_pairs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return loss_pairs_;
}

void RunControl::report(uint64_t words, double loss, uint64_t pairs) {
  if (!std::isfinite(loss)) diverged_.store(true, std::memory_order_relaxed);
  words_.fetch_add(words, std::memory_order_relaxed);
  pairs_.fetch_add(pairs, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  loss_ += loss;
  loss_pairs_ += pairs;
  window_loss_ += loss;
  window_pairs_ += pairs;
  const auto now = std::chrono::steady_clock::now();
  if (std::chrono::duration<double>(now - last_sample_).count() < opt_.sample_seconds) return;
  last_sample_ = now;
  const ProgressSample s = sample(false);
  for (ProgressSink* sink : sinks_) sink->update(s);
  last_loss_ = s.loss;
  window_loss_ = 0;
  window_pairs_ = 0;
}

ProgressSample RunControl::sample(bool final) const {
  ProgressSample s;
  const uint64_t total = opt_.words_per_epoch * opt_.epochs;
  const uint64_t done = words_done();
  s.seconds = seconds();
  s.epoch = epoch_;
  s.epochs = opt_.epochs;
  s.fraction = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  // Words/s counts raw corpus words: in-vocab words scaled by the corpus's raw/in-vocab ratio.
  const double raw_ratio = opt_.words_per_epoch
                               ? static_cast<double>(opt_.raw_words_per_epoch) / opt_.words_per_epoch
                               : 1.0;
  s.raw_words = static_cast<uint64_t>(static_cast<double>(done) * raw_ratio);
  s.words_per_second = s.seconds > 0 ? static_cast<double>(done) * raw_ratio / s.seconds : 0.0;
  s.pairs = pairs_.load();
  s.lr = lr();
  // An interval without pairs (the final one, just after a sample) repeats the last loss.
  s.loss = window_pairs_ ? window_loss_ / static_cast<double>(window_pairs_) : last_loss_;
  s.eta_seconds = s.fraction > 0 ? s.seconds * (1.0 - s.fraction) / s.fraction : 0.0;
  s.final = final;
  return s;
}

double RunControl::finish() {
  std::lock_guard<std::mutex> lock(mu_);
  const ProgressSample s = sample(true);
  for (ProgressSink* sink : sinks_) sink->update(s);
  last_loss_ = s.loss;
  window_loss_ = 0;
  window_pairs_ = 0;
  return seconds();
}

}  // namespace gemmvec
