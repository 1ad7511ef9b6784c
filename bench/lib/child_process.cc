// gemmvec bench: child processes: fork, exec, wait4 for the peak RSS, a wall-clock limit.
#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

namespace gemmvec::bench {
namespace {

// Forks and execs argv with stdout to out_fd and stderr to the log; -1 and *error if fork fails.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path, int out_fd, std::string* error) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) {
    *error = fmt::format("cannot write {}: {}", log_path, std::strerror(errno));
    return -1;
  }
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);  // a group of its own: a timeout kills what it started too
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::dup2(out_fd >= 0 ? out_fd : log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    ::execvp(args[0], args.data());
    const std::string msg = fmt::format("cannot run {}: {}\n", argv[0], std::strerror(errno));
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    ::_exit(127);
  }
  ::close(log);
  if (pid < 0) *error = fmt::format("cannot fork: {}", std::strerror(errno));
  return pid;
}

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Waits for the child; past the deadline (timeout_seconds after t0; 0: none) kills its group.
void reap(pid_t pid, ChildResult& r, Clock::time_point t0, double timeout_seconds) {
  int status = 0;
  struct rusage ru {};
  while (true) {
    const pid_t got = ::wait4(pid, &status, timeout_seconds > 0 ? WNOHANG : 0, &ru);
    if (got == pid) break;
    if (got < 0 && errno != EINTR) return;
    if (timeout_seconds > 0 && since(t0) >= timeout_seconds) {
      ::kill(-pid, SIGKILL);
      ::kill(pid, SIGKILL);  // if it had not made its group yet
      r.timed_out_after = timeout_seconds;
      while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
      }
      break;
    }
    if (got == 0) ::usleep(10000);
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.peak_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // kB on Linux
  if (r.exit_code == 127) r.start_error = fmt::format("exit 127 (the program could not be run)");
}

}  // namespace

std::string ChildResult::failure() const {
  if (!start_error.empty()) return start_error;
  if (timed_out_after > 0) return fmt::format("timed out after {:g} s", timed_out_after);
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit {}", exit_code);
}

ChildResult run_child(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds) {
  ChildResult r;
  const auto t0 = Clock::now();
  const pid_t pid = spawn(argv, log_path, -1, &r.start_error);
  if (pid < 0) return r;
  reap(pid, r, t0, timeout_seconds);
  r.wall_seconds = since(t0);
  return r;
}

std::string capture_child(const std::vector<std::string>& argv, const std::string& log_path, double timeout_seconds,
                          ChildResult* result) {
  ChildResult& r = *result;
  r = ChildResult();
  const auto t0 = Clock::now();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    r.start_error = fmt::format("cannot make a pipe: {}", std::strerror(errno));
    return "";
  }
  const pid_t pid = spawn(argv, log_path, fds[1], &r.start_error);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  // Read until the child closes its end, or the deadline: a silent, hanging child must not
  // block the read forever (reap then kills it).
  while (pid >= 0) {
    int wait_ms = -1;
    if (timeout_seconds > 0) {
      const double left = timeout_seconds - since(t0);
      if (left <= 0) break;
      wait_ms = static_cast<int>(left * 1000) + 1;
    }
    struct pollfd p {fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (pid < 0) return "";
  reap(pid, r, t0, timeout_seconds);
  r.wall_seconds = since(t0);
  return out;
}

}  // namespace gemmvec::bench
