// gemmvec: SIGINT and SIGTERM turned into a request to checkpoint and stop.
#pragma once
#include <csignal>

namespace gemmvec {

// While alive, SIGINT and SIGTERM only record the signal; the training loop then writes a
// checkpoint and stops. A second signal ends the process at once (the handler restores the
// default action), which loses nothing: every file is written atomically. The destructor
// restores the previous handlers, so a signal outside training acts as usual. The outermost
// one clears the recorded signal; a nested one keeps it (a binding that installs them around a
// whole call, reading the corpus included, has a signal caught while reading stop the run).
class InterruptHandlers {
 public:
  InterruptHandlers();
  ~InterruptHandlers();
  InterruptHandlers(const InterruptHandlers&) = delete;
  InterruptHandlers& operator=(const InterruptHandlers&) = delete;

 private:
  struct sigaction old_int_ = {}, old_term_ = {};
};

// The signal received while handlers were installed, or 0.
int interrupt_signal();

}  // namespace gemmvec
