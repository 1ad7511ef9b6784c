// gemmvec: the errors that decide a run's exit code, in one place. Every message is one line
// naming the file (or key) and the fix.
#pragma once
#include <stdexcept>
#include <string>

namespace gemmvec {

// A usage error: bad config, bad flag, bad value. Exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An input error: a file missing, unreadable or malformed. Exit 1. `error_number` is the errno
// of a failed open or stat (ENOENT: missing), 0 otherwise, so a binding can raise its own kind.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
  InputError(const std::string& what, int err) : std::runtime_error(what), error_number(err) {}
  int error_number = 0;
};

// Out of resources: not enough memory for the model (host or device), no space left on the
// disk. Exit 3. `error_number` is ENOSPC or EDQUOT for a full disk, 0 for memory.
struct ResourceError : std::runtime_error {
  using std::runtime_error::runtime_error;
  ResourceError(const std::string& what, int err) : std::runtime_error(what), error_number(err) {}
  int error_number = 0;
};

// The GPU cannot be used or failed: no device, no driver, a CUDA or cuBLAS call that failed.
// Exit 1.
struct DeviceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The loss or the vectors became NaN or infinite: the run stops, writes no vectors and keeps
// its last checkpoint. Exit 4.
struct TrainingDiverged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The run stopped on SIGINT/SIGTERM after writing its checkpoint. Exit 128 + signal.
struct Interrupted : std::runtime_error {
  Interrupted(const std::string& what, int sig) : std::runtime_error(what), signal(sig) {}
  int signal;
};

// The exit codes, for a program embedding gemmvec that wants the CLI's.
enum ExitCode : int {
  kExitOk = 0,
  kExitInput = 1,     // InputError, DeviceError, any other failure
  kExitUsage = 2,     // UsageError
  kExitResource = 3,  // ResourceError, std::bad_alloc
  kExitDiverged = 4,  // TrainingDiverged
};

}  // namespace gemmvec
