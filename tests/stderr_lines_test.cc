// gemmvec tests: the progress line on stderr is ended before any other line, and --quiet's
// verbosity silences notes and progress but not warnings.
#include <gtest/gtest.h>

#include "base/stderr_lines.h"

namespace gemmvec {
namespace {

// Restores the verbosity a test changed.
struct VerbosityScope {
  explicit VerbosityScope(Verbosity v) : old(verbosity()) { set_verbosity(v); }
  ~VerbosityScope() { set_verbosity(old); }
  Verbosity old;
};

TEST(StderrLines, AMessageEndsTheOpenProgressLineFirst) {
  const VerbosityScope normal(Verbosity::kNormal);
  ::testing::internal::CaptureStderr();
  print_progress("epoch 1/1  10.0%", true);
  print_progress("epoch 1/1  20.0%", true);
  print_message("gemmvec: stopped by signal 2");
  print_progress("epoch 1/1  30.0%", false);
  end_progress_line();  // nothing open: nothing written
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "epoch 1/1  10.0%\repoch 1/1  20.0%\ngemmvec: stopped by signal 2\nepoch 1/1  30.0%\n");
}

TEST(StderrLines, EndProgressLineEndsItOnce) {
  const VerbosityScope normal(Verbosity::kNormal);
  ::testing::internal::CaptureStderr();
  print_progress("p", true);
  end_progress_line();
  end_progress_line();
  print_lines("a\nb\n");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "p\na\nb\n");
}

TEST(StderrLines, QuietKeepsWarningsOnly) {
  const VerbosityScope quiet(Verbosity::kQuiet);
  ::testing::internal::CaptureStderr();
  print_progress("p", true);
  print_note("gemmvec: wrote out.bin");
  print_message("gemmvec: warning: w");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "gemmvec: warning: w\n");
}

}  // namespace
}  // namespace gemmvec
