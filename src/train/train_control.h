// gemmvec: what a backend sees of the run while it trains: the learning rate, where to report
// its progress, and whether to stop at its next resume point. Nothing else (no printing).
#pragma once
#include <cstdint>

namespace gemmvec {

class TrainControl {
 public:
  virtual ~TrainControl() = default;
  // The learning rate at the run's current position (linear decay over all epochs' words).
  virtual float lr() const = 0;
  // Called by a backend (from any of its threads) every few thousand words: in-vocab words
  // trained since the last report, and the summed loss over `pairs` sampled pairs.
  virtual void report(uint64_t words, double loss, uint64_t pairs) = 0;
  // True when the backend should stop at its next resume point (a signal arrived, a periodic
  // checkpoint is due, or the run prints the watched words). Polled as the backend reports.
  virtual bool should_pause() const = 0;
};

}  // namespace gemmvec
