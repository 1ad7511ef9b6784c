// gemmvec CLI: run a program as a child process, timed, with its peak RSS (wait4's rusage).
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
  bool ok() const { return start_error.empty() && exit_code == 0; }
  // One line: "exit 2", "killed by signal 9", "cannot run ...".
  std::string failure() const;
};

// Runs argv[0] (found on PATH if it has no slash) with stdin from /dev/null and stdout and
// stderr appended to log_path; waits for it.
ChildResult run_child(const std::vector<std::string>& argv, const std::string& log_path);

// Runs argv and returns its stdout (stderr appended to log_path); exit code in *exit_code.
std::string capture_child(const std::vector<std::string>& argv, const std::string& log_path, int* exit_code);

}  // namespace gemmvec::bench
