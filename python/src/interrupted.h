// gemmvec Python binding: a run stopped by a signal, with the checkpoint it left, on its way to
// Python as gemmvec.TrainingInterrupted(message, checkpoint, signal).
#pragma once
#include <stdexcept>
#include <string>

namespace gemmvec::py {

struct InterruptedRun : std::runtime_error {
  InterruptedRun(const std::string& what, std::string checkpoint, int signal)
      : std::runtime_error(what), checkpoint(std::move(checkpoint)), signal(signal) {}
  std::string checkpoint;  // "" when the run kept none
  int signal;
};

}  // namespace gemmvec::py
