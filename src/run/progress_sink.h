// gemmvec: where training progress goes: a sink receives samples (the terminal line, the
// JSON-lines metrics log; a Python binding may add its own).
#pragma once
#include <cstdint>
#include <cstdio>
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

class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void update(const ProgressSample& s) = 0;
};

// One refreshing line on a terminal, one line per sample otherwise (stderr).
class TerminalProgress final : public ProgressSink {
 public:
  TerminalProgress();
  bool is_terminal() const { return tty_; }
  void update(const ProgressSample& s) override;
  // Ends the refreshing line, so other lines (a checkpoint note, the watched words) start on
  // their own. Called while no backend reports.
  void end_line();

 private:
  bool tty_ = false;
  bool open_ = false;  // a refreshing line is showing, not yet ended
};

// A JSON object per sample, one per line (output.metrics); a resumed run appends.
class MetricsLog final : public ProgressSink {
 public:
  MetricsLog(const std::string& path, bool append);
  ~MetricsLog() override;
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void update(const ProgressSample& s) override;

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace gemmvec
