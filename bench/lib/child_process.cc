// gemmvec CLI: child processes for `gemmvec bench`: fork, exec, wait4 for the peak RSS.
#include "child_process.h"

#include <fcntl.h>
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

void reap(pid_t pid, ChildResult& r) {
  int status = 0;
  struct rusage ru {};
  while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  r.peak_rss_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // kB on Linux
  if (r.exit_code == 127) r.start_error = fmt::format("exit 127 (the program could not be run)");
}

}  // namespace

std::string ChildResult::failure() const {
  if (!start_error.empty()) return start_error;
  if (signal) return fmt::format("killed by signal {} ({})", signal, strsignal(signal));
  return fmt::format("exit {}", exit_code);
}

ChildResult run_child(const std::vector<std::string>& argv, const std::string& log_path) {
  ChildResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = spawn(argv, log_path, -1, &r.start_error);
  if (pid < 0) return r;
  reap(pid, r);
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

std::string capture_child(const std::vector<std::string>& argv, const std::string& log_path, int* exit_code) {
  *exit_code = -1;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "";
  std::string error;
  const pid_t pid = spawn(argv, log_path, fds[1], &error);
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  if (pid < 0) return "";
  ChildResult r;
  reap(pid, r);
  *exit_code = r.exit_code;
  return out;
}

}  // namespace gemmvec::bench
