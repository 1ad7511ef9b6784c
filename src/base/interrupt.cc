// gemmvec: signal handlers that only set a flag (async-signal-safe); the trainer polls it.
#include "base/interrupt.h"

#include <csignal>

namespace gemmvec {
namespace {

volatile std::sig_atomic_t g_signal = 0;
int g_depth = 0;  // InterruptHandlers alive (nested: a binding's around the whole call, the run's)

extern "C" void on_signal(int sig) {
  g_signal = sig;
  std::signal(sig, SIG_DFL);  // a second one ends the process
}

}  // namespace

InterruptHandlers::InterruptHandlers() {
  if (g_depth++ == 0) g_signal = 0;  // an inner one keeps a signal the outer one caught
  struct sigaction sa = {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old_int_);
  sigaction(SIGTERM, &sa, &old_term_);
}

InterruptHandlers::~InterruptHandlers() {
  --g_depth;
  sigaction(SIGINT, &old_int_, nullptr);
  sigaction(SIGTERM, &old_term_, nullptr);
}

int interrupt_signal() { return g_signal; }

}  // namespace gemmvec
