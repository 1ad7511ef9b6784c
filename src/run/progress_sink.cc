// gemmvec: the progress sinks: the terminal line and the JSON-lines metrics log.
#include "run/progress_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "base/file_errors.h"
#include "base/stderr_lines.h"
#include "gemmvec/errors.h"

namespace gemmvec {

TerminalProgress::TerminalProgress() : tty_(isatty(STDERR_FILENO)) {}

void TerminalProgress::update(const ProgressSample& s) {
  print_progress(fmt::format("epoch {}/{}  {:5.1f}%  {:8.0f} words/s  lr {:.6f}  loss {:.4f}  eta {:5.0f}s",
                             s.epoch + 1, s.epochs, 100.0 * s.fraction, s.words_per_second, s.lr, s.loss,
                             s.eta_seconds),
                 tty_ && !s.final);
}

MetricsLog::MetricsLog(const std::string& path, bool append) {
  // Appended line by line while training, so not written beside and renamed as other outputs
  // are: the file is opened at its own path, and a symlink there is refused rather than followed
  // (a planted link would have its target truncated).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC),
                        0644);
  if (fd < 0 && errno == ELOOP)
    throw InputError(fmt::format("output.metrics: {} is a symbolic link; the metrics log is written in place and never "
                                 "through a link (remove the link or name another file)", path));
  if (fd < 0) throw_write_error(path, errno, "cannot open the metrics log (output.metrics)");
  file_ = ::fdopen(fd, append ? "a" : "w");
  if (!file_) {
    const int err = errno;
    ::close(fd);
    throw_write_error(path, err, "cannot open the metrics log (output.metrics)");
  }
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
