// gemmvec: where training progress goes: the terminal line and the JSON-lines metrics log
// (the sink interface, which a binding implements too, is gemmvec/progress.h).
#pragma once
#include <cstdio>
#include <string>

#include "gemmvec/progress.h"

namespace gemmvec {

// One refreshing line on a terminal, one line per sample otherwise (stderr, base/stderr_lines.h:
// none when quiet; any other line printed there ends the refreshing one first).
class TerminalProgress final : public ProgressSink {
 public:
  TerminalProgress();
  bool is_terminal() const { return tty_; }
  void update(const ProgressSample& s) override;

 private:
  bool tty_ = false;
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
