// gemmvec: the progress sinks: the terminal line and the JSON-lines metrics log.
#include "run/progress_sink.h"

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/stderr_lines.h"

namespace gemmvec {

TerminalProgress::TerminalProgress() : tty_(isatty(STDERR_FILENO)) {}

void TerminalProgress::update(const ProgressSample& s) {
  print_progress(fmt::format("epoch {}/{}  {:5.1f}%  {:8.0f} words/s  lr {:.6f}  loss {:.4f}  eta {:5.0f}s",
                             s.epoch + 1, s.epochs, 100.0 * s.fraction, s.words_per_second, s.lr, s.loss,
                             s.eta_seconds),
                 tty_ && !s.final);
}

MetricsLog::MetricsLog(const std::string& path, bool append) {
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!file_)
    print_message(fmt::format("gemmvec: warning: cannot write metrics log {} (check the folder exists)", path));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

std::string metrics_json(const ProgressSample& s) {
  const nlohmann::ordered_json line = {{"seconds", s.seconds},       {"epoch", s.epoch},
                                       {"progress", s.fraction},     {"words", s.raw_words},
                                       {"words_per_sec", s.words_per_second}, {"pairs", s.pairs},
                                       {"lr", s.lr},                 {"loss", s.loss}};
  return line.dump();
}

void MetricsLog::update(const ProgressSample& s) {
  if (!file_) return;
  const std::string text = metrics_json(s) + "\n";
  std::fwrite(text.data(), 1, text.size(), file_);
  std::fflush(file_);
}

}  // namespace gemmvec
