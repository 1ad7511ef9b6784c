// gemmvec tests: RunControl's losses: final_loss is the last progress interval's mean (the loss
// curve's last point), mean_loss the whole run's.
#include <gtest/gtest.h>

#include <vector>

#include "run/run_control.h"

namespace gemmvec {
namespace {

// Keeps the losses of the samples it receives.
struct LossCurve final : ProgressSink {
  std::vector<double> loss;
  void update(const ProgressSample& s) override { loss.push_back(s.loss); }
};

RunControlOptions every_report() {
  RunControlOptions o;
  o.words_per_epoch = 100;
  o.raw_words_per_epoch = 100;
  o.sample_seconds = 0;  // a sample at every report
  return o;
}

TEST(RunControl, LastLossIsTheLastIntervalsNotTheRunsMean) {
  LossCurve curve;
  RunControl control(every_report(), {&curve});
  control.report(10, 40.0, 10);  // 4 per pair
  control.report(10, 2.0, 2);    // 1 per pair
  EXPECT_DOUBLE_EQ(control.last_loss(), 1.0);
  EXPECT_DOUBLE_EQ(control.mean_loss(), 42.0 / 12);
  // The final sample has no pairs of its own: it repeats the last interval, never shows 0.
  control.finish();
  ASSERT_EQ(curve.loss.size(), 3u);
  EXPECT_DOUBLE_EQ(curve.loss.back(), 1.0);
  EXPECT_DOUBLE_EQ(control.last_loss(), curve.loss.back());
}

TEST(RunControl, FinalSampleCarriesThePairsSinceTheLastSample) {
  RunControlOptions o = every_report();
  o.sample_seconds = 1e9;  // no sample before finish()
  LossCurve curve;
  RunControl control(o, {&curve});
  control.report(10, 30.0, 10);
  control.report(10, 10.0, 10);
  control.finish();
  ASSERT_EQ(curve.loss.size(), 1u);
  EXPECT_DOUBLE_EQ(curve.loss[0], 2.0);
  EXPECT_DOUBLE_EQ(control.last_loss(), 2.0);
}

// A resumed run starts from the checkpoint's sums: its mean counts them, its last interval
// does not.
TEST(RunControl, ResumedRunsMeanCountsTheLossBeforeTheCheckpoint) {
  RunControlOptions o = every_report();
  o.loss_sum = 90.0;
  o.loss_pairs = 10;
  o.seconds_before = 50;
  RunControl control(o, {});
  EXPECT_DOUBLE_EQ(control.last_loss(), 9.0);  // nothing trained yet: the mean so far
  control.report(10, 10.0, 10);
  EXPECT_DOUBLE_EQ(control.last_loss(), 1.0);
  EXPECT_DOUBLE_EQ(control.mean_loss(), 5.0);
  EXPECT_GE(control.finish(), 50.0);
}

}  // namespace
}  // namespace gemmvec
