// gemmvec tests: runs the gemmvec binary in a folder, as users do (fork/exec, no shell), with
// stdout and stderr captured, optionally under a memory limit, as another user, or held at a
// gate until the test has set things up with the child's pid.
#pragma once
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace gemmvec::test {

struct RunResult {
  int code = -1;    // exit status; -1 if killed by a signal
  int signal = 0;   // the signal that ended it, 0 if it exited
  std::string out, err;
  long max_rss_kb = 0;  // peak resident memory
};

struct RunOptions {
  uint64_t address_space = 0;  // RLIMIT_AS in bytes (0: unchanged)
  uid_t uid = 0;               // run as this user and its group (0: unchanged)
  bool gated = false;          // the child waits for release() before exec
  std::string cgroup_procs;    // a cgroup's cgroup.procs: the child joins it before exec
};

// Exit status of a child that could not set itself up (setuid refused, exec failed).
constexpr int kSetupFailed = 125;

class Child {
 public:
  // Starts `gemmvec ARGS` with `dir` as its working directory; stdout and stderr go to
  // dir/.run.out and dir/.run.err.
  Child(const std::string& dir, const std::vector<std::string>& args, const RunOptions& opt = {}) : dir_(dir) {
    int gate[2] = {-1, -1};
    if (opt.gated && ::pipe(gate) != 0) return;
    std::vector<std::string> argv_s{GEMMVEC_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    const std::string out = dir + "/.run.out", err = dir + "/.run.err";
    const std::string cgroup_procs = opt.cgroup_procs;
    pid_ = ::fork();
    if (pid_ == 0) {  // child: only async-signal-safe calls from here
      if (opt.gated) {
        ::close(gate[1]);
        char c;
        while (::read(gate[0], &c, 1) < 0) {
        }
        ::close(gate[0]);
      }
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
      if (o < 0 || e < 0 || ::dup2(o, 1) < 0 || ::dup2(e, 2) < 0 || ::chdir(dir.c_str()) != 0) ::_exit(kSetupFailed);
      ::close(o);
      ::close(e);
      if (opt.address_space) {
        struct rlimit r = {opt.address_space, opt.address_space};
        if (::setrlimit(RLIMIT_AS, &r) != 0) ::_exit(kSetupFailed);
      }
      if (!cgroup_procs.empty()) {  // "0" is this process, as cgroup.procs takes it
        const int fd = ::open(cgroup_procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(kSetupFailed);
        ::close(fd);
      }
      if (opt.uid && (::setgid(opt.uid) != 0 || ::setuid(opt.uid) != 0)) ::_exit(kSetupFailed);
      ::execv(argv[0], argv.data());
      ::_exit(kSetupFailed);
    }
    if (opt.gated) {
      ::close(gate[0]);
      gate_ = gate[1];
    }
  }
  ~Child() {
    release();
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Lets a gated child go on to exec.
  void release() {
    if (gate_ >= 0) ::close(gate_);
    gate_ = -1;
  }
  // True once the child has ended (then wait() returns at once).
  bool done() {
    if (waited_) return true;
    int status;
    struct rusage usage;
    if (::wait4(pid_, &status, WNOHANG, &usage) != pid_) return false;
    finish(status, usage);
    return true;
  }
  RunResult wait() {
    release();
    if (!waited_ && pid_ > 0) {
      int status;
      struct rusage usage;
      while (::wait4(pid_, &status, 0, &usage) < 0 && errno == EINTR) {
      }
      finish(status, usage);
    }
    return result_;
  }

 private:
  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void finish(int status, const struct rusage& usage) {
    waited_ = true;
    result_.max_rss_kb = usage.ru_maxrss;
    result_.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result_.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    result_.out = slurp(dir_ + "/.run.out");
    result_.err = slurp(dir_ + "/.run.err");
    ::unlink((dir_ + "/.run.out").c_str());
    ::unlink((dir_ + "/.run.err").c_str());
  }

  std::string dir_;
  pid_t pid_ = -1;
  int gate_ = -1;
  bool waited_ = false;
  RunResult result_;
};

inline RunResult run_gemmvec(const std::string& dir, const std::vector<std::string>& args, const RunOptions& opt = {}) {
  return Child(dir, args, opt).wait();
}

}  // namespace gemmvec::test
