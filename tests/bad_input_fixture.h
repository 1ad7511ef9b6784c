// gemmvec tests: the fixture of the bad-input suites, which run the gemmvec binary on a tiny
// config in a fresh folder and check a failure as docs/errors.md states it: the exit code, one
// "gemmvec: " line naming the file or key and the fix, no crash, nothing left behind.
#pragma once
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "gemmvec/vectors_io.h"
#include "run_gemmvec.h"
#include "test_files.h"
#include "tiny_run.h"

// Sanitizers reserve terabytes of address space: no child under RLIMIT_AS with them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define GEMMVEC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define GEMMVEC_SANITIZED 1
#endif
#endif

namespace gemmvec::test {

constexpr int kOk = 0, kBadInput = 1, kUsage = 2, kResource = 3;

constexpr const char* kConfig = test::kTinyRunConfig;

class BadInput : public ::testing::Test {
 public:
  void SetUp() override { write_file(dir_.file("train.yaml"), kConfig); }

  std::string file(const std::string& name) const { return dir_.file(name); }
  // `gemmvec train train.yaml --quiet --set ...`
  RunResult train(std::vector<std::string> sets, const RunOptions& opt = {}) const {
    std::vector<std::string> args{"train", "train.yaml", "--quiet"};
    for (std::string& s : sets) args.insert(args.end(), {"--set", s});
    return run_gemmvec(dir_.path().string(), args, opt);
  }
  RunResult gemmvec(const std::vector<std::string>& args) const { return run_gemmvec(dir_.path().string(), args); }
  // A prepared corpus: PREFIX.vocab and PREFIX.tokens.
  void prepare(const std::string& prefix) const {
    write_file(file("prep.txt"), sentences(40));
    const RunResult r = gemmvec({"prepare", "prep.txt", "--out", prefix});
    ASSERT_EQ(r.code, kOk) << r.err;
  }

  // Leftovers of a failed run: the outputs (as regular files: a link a test planted there is
  // not one, and a link the run replaced by a file is), and any temporary file anywhere in the
  // folder (NAME.tmp.XXXXXX).
  std::vector<std::string> leftovers() const {
    std::vector<std::string> out;
    for (const char* name : {"out.bin", "out.bin.yaml", "out.bin.json", "out.txt"})
      if (fs::is_regular_file(fs::symlink_status(file(name)))) out.push_back(name);
    for (const auto& e : fs::recursive_directory_iterator(dir_.path())) {
      const std::string name = e.path().filename().string();
      if (name.find(".tmp") != std::string::npos || name.find(".prune") != std::string::npos)
        out.push_back(e.path().string());
    }
    return out;
  }
  // The temporaries of `name` (NAME.tmp.XXXXXX) in the folder.
  std::vector<std::string> temporaries(const std::string& name) const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_.path()))
      if (e.path().filename().string().rfind(name + ".tmp.", 0) == 0) out.push_back(e.path().string());
    return out;
  }

  TempDir dir_;
};

enum class Lines { kOne, kLast };  // stderr is only the error, or the error ends what was printed

// The run failed as documented: `code`, no signal, the error on one line starting "gemmvec: "
// and holding every needle; nothing left behind.
inline void expect_error(const BadInput& t, const RunResult& r, int code, const std::vector<std::string>& needles,
                  Lines lines = Lines::kOne) {
  EXPECT_EQ(r.signal, 0) << "crashed: " << strsignal(r.signal) << "\n" << r.err;
  EXPECT_EQ(r.code, code) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.back(), '\n') << r.err;
  const std::string body = r.err.substr(0, r.err.size() - 1);
  if (lines == Lines::kOne) EXPECT_EQ(body.find('\n'), std::string::npos) << "more than one line:\n" << r.err;
  const std::string line = body.substr(body.rfind('\n') == std::string::npos ? 0 : body.rfind('\n') + 1);
  EXPECT_EQ(line.rfind("gemmvec: ", 0), 0u) << line;
  for (const std::string& n : needles) EXPECT_NE(line.find(n), std::string::npos) << "'" << n << "' not in: " << line;
  EXPECT_EQ(t.leftovers(), std::vector<std::string>{});
}

// The run trained, and its warning line counts the changes.
inline void expect_trained_with_warning(const BadInput& t, const RunResult& r, const std::vector<std::string>& counts) {
  ASSERT_EQ(r.code, kOk) << r.err;
  const std::string tag = "gemmvec: warning: corpus read with changes: ";
  const size_t at = r.err.find(tag);
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string line = r.err.substr(at, r.err.find('\n', at) - at);
  for (const std::string& c : counts) EXPECT_NE(line.find(c), std::string::npos) << "'" << c << "' not in: " << line;
  EXPECT_EQ(r.err.find(tag, at + 1), std::string::npos) << "two warnings:\n" << r.err;
  EXPECT_NO_THROW(load_word2vec(t.file("out.bin")));
}

// A full disk: the output is a link to /dev/full, which the writers follow and write in place
// (a device is never replaced by a rename), so every write fails with ENOSPC. (The temporaries
// have unique names and are never opened through a link, so one cannot be planted there.)
inline void point_at_dev_full(const std::string& path) {
  ASSERT_EQ(::symlink("/dev/full", path.c_str()), 0) << path << ": " << std::strerror(errno);
}

// The link is still there, still pointing at /dev/full: the run did not replace it.
inline void expect_still_dev_full(const std::string& path) {
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(path))) << path;
  EXPECT_TRUE(fs::is_character_file(path)) << path;
}


// Writes `block` `repeats` times into the FIFO at `path` from a thread, once a reader has opened
// it; stops early when the reader closes its end (EPIPE: SIGPIPE is ignored meanwhile).
class FifoWriter {
 public:
  FifoWriter(const std::string& path, std::string block, int repeats) : block_(std::move(block)) {
    struct sigaction ignore = {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore, &old_pipe_);
    thread_ = std::thread([this, path, repeats] { run(path, repeats); });
  }
  ~FifoWriter() { finish(); }
  // Stops (if it is still waiting for a reader), waits for the thread; the bytes written.
  uint64_t finish() {
    stop_ = true;
    if (thread_.joinable()) {
      thread_.join();
      ::sigaction(SIGPIPE, &old_pipe_, nullptr);
    }
    return written_;
  }

 private:
  void run(const std::string& path, int repeats) {
    int fd = -1;
    while (fd < 0 && !stop_) {  // non-blocking open: fails until the reader has opened its end
      fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (fd < 0) return;
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    for (int i = 0; i < repeats && !stop_; ++i) {
      for (size_t at = 0; at < block_.size();) {
        const ssize_t n = ::write(fd, block_.data() + at, block_.size() - at);
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          ::close(fd);
          return;
        }
        at += static_cast<size_t>(n);
        written_ += static_cast<uint64_t>(n);
      }
    }
    ::close(fd);
  }

  const std::string block_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  struct sigaction old_pipe_ = {};
  std::thread thread_;
};

}  // namespace gemmvec::test
