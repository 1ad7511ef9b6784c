// gemmvec bench: run a program as a child process, timed, with its peak RSS (wait4's rusage)
// and a wall-clock limit, so a child that hangs cannot hang the bench.
#pragma once
#include <string>
#include <vector>

namespace gemmvec::bench {

struct ChildResult {
  int exit_code = -1;          // -1 if it did not exit normally
  int signal = 0;              // the signal that ended it, if one did
  double wall_seconds = 0;     // fork to reaped
  double peak_rss_mb = 0;      // ru_maxrss of the child (and the children it waited for)
  std::string start_error;     // the program could not be started ("" if it was)
  double timed_out_after = 0;  // the limit it ran past and was killed at (0: it ended by itself)
  bool ok() const { return start_error.empty() && exit_code == 0 && timed_out_after == 0; }
  // One line: "exit 2", "killed by signal 9", "timed out after 60 s", "cannot run ...".
  std::string failure() const;
};

// Runs argv[0] (found on PATH if it has no slash) in a process group of its own, with stdin
// from /dev/null and stdout and stderr appended to log_path; waits for it, at most
// timeout_seconds (0: no limit), after which the whole group is killed.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds);

// Runs argv as run_child does and returns its stdout (stderr appended to log_path).
std::string capture_child(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds,
                          ChildResult* result);

}  // namespace gemmvec::bench
