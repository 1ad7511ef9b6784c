// gemmvec: where training progress goes: the terminal line and the JSON-lines metrics log
// (the sink interface, which a binding implements too, is gemmvec/progress.h).
#pragma once
#include <cstdio>
#include <string>

#include "gemmvec/progress.h"

namespace gemmvec {

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

// A JSON object per sample, one per line (output.metrics); a resumed run appends. Opened with
// O_NOFOLLOW: a symlink at `path` throws InputError naming output.metrics and the path, as does
// a file that cannot be opened.
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
