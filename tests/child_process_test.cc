// gemmvec tests: the bench's child processes: exit codes, a wall-clock limit that kills a child
// that hangs (and what it started), and stdout captured up to that limit.
#include <gtest/gtest.h>

#include <string>

#include "child_process.h"
#include "test_files.h"

namespace gemmvec::bench {
namespace {

TEST(ChildProcess, ExitCodesAndStartErrors) {
  test::TempDir dir;
  const std::string log = dir.file("log");
  EXPECT_TRUE(run_child({"true"}, log, 10).ok());
  const ChildResult r = run_child({"sh", "-c", "exit 3"}, log, 10);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.failure(), "exit 3");
  EXPECT_FALSE(run_child({"/nonexistent/program"}, log, 10).ok());
}

// A child that never ends is killed at its limit, with the processes it started: the bench
// goes on. (The bound below only proves it did not wait for the sleeps.)
TEST(ChildProcess, HangingChildIsKilledAtItsLimit) {
  test::TempDir dir;
  const std::string log = dir.file("log");
  const ChildResult r = run_child({"sh", "-c", "sleep 300 & sleep 300"}, log, 0.5);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.timed_out_after, 0.5);
  EXPECT_EQ(r.failure(), "timed out after 0.5 s");
  EXPECT_LT(r.wall_seconds, 60);
}

TEST(ChildProcess, CaptureStopsAtTheLimitToo) {
  test::TempDir dir;
  const std::string log = dir.file("log");
  ChildResult r;
  EXPECT_EQ(capture_child({"sh", "-c", "echo '{\"a\": 1}'"}, log, 10, &r), "{\"a\": 1}\n");
  EXPECT_TRUE(r.ok()) << r.failure();
  // Prints, then hangs holding stdout open: the read must not wait for an end that never comes.
  const std::string out = capture_child({"sh", "-c", "echo partial; exec sleep 300"}, log, 0.5, &r);
  EXPECT_EQ(out, "partial\n");
  EXPECT_EQ(r.failure(), "timed out after 0.5 s");
  EXPECT_LT(r.wall_seconds, 60);
}

}  // namespace
}  // namespace gemmvec::bench
