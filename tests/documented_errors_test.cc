// gemmvec tests: the cases of docs/errors.md the bad-input suite does not reach, through the
// binary: corrupt (not cut) .gz and .xz text, gzip through a FIFO, a full disk under the config
// copy and the summary, a failed allocation, and a second Ctrl-C.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "bad_input_fixture.h"

namespace gemmvec::test {
namespace {

// `bytes` with 64 bytes from the middle on flipped: the container's header stays valid.
std::string corrupt_middle(std::string bytes) {
  for (size_t i = bytes.size() / 2; i < bytes.size() / 2 + 64 && i < bytes.size(); ++i) bytes[i] ^= 0x55;
  return bytes;
}

TEST_F(BadInput, CorruptGzipAndXz) {
  write_gz(file("c.txt.gz"), sentences(3000));
  write_file(file("c.txt.gz"), corrupt_middle(read_file(file("c.txt.gz"))));
  expect_error(*this, train({"data.corpus=[c.txt.gz]"}), kBadInput,
               {"c.txt.gz: corrupt gzip data", "check it with gzip -t; re-download or re-compress the file"});
  write_xz(file("c.txt.xz"), sentences(3000));
  write_file(file("c.txt.xz"), corrupt_middle(read_file(file("c.txt.xz"))));
  expect_error(*this, train({"data.corpus=[c.txt.xz]"}), kBadInput,
               {"c.txt.xz: corrupt xz data (check it with xz -t; re-download or re-compress the file)"});
}

TEST_F(BadInput, GzipThroughAFifo) {
  write_gz(file("c.txt.gz"), sentences(3000));
  ASSERT_EQ(::mkfifo(file("corpus.txt").c_str(), 0600), 0) << std::strerror(errno);
  FifoWriter writer(file("corpus.txt"), read_file(file("c.txt.gz")), 1);
  const RunResult r = train({});
  writer.finish();
  expect_error(*this, r, kBadInput,
               {"corpus.txt: gzip data from a pipe is not supported (decompress it into the pipe: gzip -dc)"});
}

// The config copy (OUT.yaml) and the summary (OUT.json) are written after the vectors: a full
// disk there is exit 3 naming the file, and the vectors already written stay whole.
TEST_F(BadInput, DiskFullWritingTheConfigCopyOrTheSummary) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  write_file(file("corpus.txt"), sentences(20));
  for (const std::string name : {"out.bin.yaml", "out.bin.json"}) {
    SCOPED_TRACE(name);
    fs::remove(file("out.bin"));
    point_at_dev_full(file(name));
    const RunResult r = train({});
    EXPECT_EQ(r.signal, 0) << r.err;
    EXPECT_EQ(r.code, kResource) << r.err;
    const std::string want = "gemmvec: no space left on device writing " + name + " (free space or write elsewhere)\n";
    ASSERT_GE(r.err.size(), want.size()) << r.err;
    EXPECT_EQ(r.err.substr(r.err.size() - want.size()), want) << r.err;
    expect_still_dev_full(file(name));
    EXPECT_EQ(load_word2vec(file("out.bin")).words.size(), 10u);
    EXPECT_EQ(temporaries(name), std::vector<std::string>{});
    fs::remove(file(name));
  }
}

// An allocation the memory budget could not foresee (the vocabulary count of 3M distinct
// words, under a 200 MB address-space limit) is exit 3 with the documented line.
TEST_F(BadInput, FailedAllocationIsOutOfMemory) {
#ifdef GEMMVEC_SANITIZED
  GTEST_SKIP() << "a sanitizer reserves terabytes of address space: no RLIMIT_AS child under it";
#else
  {
    std::ofstream out(file("many.txt"));
    for (int i = 0; i < 3000000; ++i) out << 'w' << i << (i % 20 == 19 ? '\n' : ' ');
  }
  RunOptions opt;
  opt.address_space = uint64_t{200000} << 10;
  const RunResult r = run_gemmvec(dir_.path().string(), {"prepare", "many.txt", "--out", "p"}, opt);
  expect_error(*this, r, kResource, {"out of memory (lower model.dim or the vocab size, or free memory)"});
  EXPECT_FALSE(fs::exists(file("p.vocab")));
#endif
}

// An output name that fits but whose temporary (NAME.tmp.XXXXXX) would not is refused before
// any work; a writer that meets such a name anyway says "cannot open for writing" and the fix.
TEST_F(BadInput, OutputNameTooLongForItsTemporary) {
  write_file(file("corpus.txt"), sentences(20));
  const std::string name = std::string(250, 'v') + ".bin";  // 254 bytes: the limit is 255
  expect_error(*this, train({"output.path=" + name}), kBadInput,
               {"output.path: the file name of " + name + " is 254 bytes, too long to write beside it as NAME.tmp.XXXXXX",
                "choose a name of 244 bytes or fewer"});
  WordVectors v;
  v.dim = 1;
  v.words = {"a"};
  v.data = {1.0f};
  const std::string e = error_of([&] { save_word2vec_binary(file(name), v); });
  EXPECT_EQ(e.rfind(file(name) + ": cannot open for writing (" + file(name) + ".tmp.", 0), 0u) << e;
  EXPECT_NE(e.find("): File name too long (choose a shorter name)"), std::string::npos) << e;
  EXPECT_EQ(leftovers(), std::vector<std::string>{});
}

// A fresh memory cgroup under this process's own (v1 memory.limit_in_bytes, or v2 memory.max),
// limited to `bytes`; removed when it goes. `procs` is empty where none can be made here.
class MemoryCgroup {
 public:
  explicit MemoryCgroup(uint64_t bytes) {
    std::ifstream in("/proc/self/cgroup");
    std::string base, limit_file;
    for (std::string line; std::getline(in, line);) {  // "ID:CONTROLLERS:PATH"
      const size_t a = line.find(':'), b = line.find(':', a + 1);
      if (a == std::string::npos || b == std::string::npos) continue;
      const std::string controllers = "," + line.substr(a + 1, b - a - 1) + ",", path = line.substr(b + 1);
      if (controllers.find(",memory,") != std::string::npos) {
        base = "/sys/fs/cgroup/memory" + path, limit_file = "memory.limit_in_bytes";
      } else if (controllers == ",," && base.empty()) {
        base = "/sys/fs/cgroup" + path, limit_file = "memory.max";
      }
    }
    if (base.empty()) return;
    dir_ = base + "/gemmvec-test-" + std::to_string(::getpid());
    if (::mkdir(dir_.c_str(), 0755) != 0) {
      why_ = dir_ + ": " + std::strerror(errno);
      dir_.clear();
      return;
    }
    std::ofstream limit(dir_ + "/" + limit_file);
    limit << bytes;
    limit.close();
    if (!limit) {
      why_ = dir_ + "/" + limit_file + " cannot be written";
      return;
    }
    procs_ = dir_ + "/cgroup.procs";
  }
  ~MemoryCgroup() {
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  const std::string& procs() const { return procs_; }
  const std::string& why() const { return why_; }

 private:
  std::string dir_, procs_, why_ = "no memory cgroup in /proc/self/cgroup";
};

// A model too large for the memory cgroup the run is in is refused with exit 3 before its
// matrices are allocated. (Only a root-level cgroup v2 limit was read before: under a v1 or a
// nested limit the kernel's OOM killer ended the run, exit 137.)
TEST_F(BadInput, ModelTooLargeForItsMemoryCgroup) {
#ifdef GEMMVEC_SANITIZED
  GTEST_SKIP() << "a sanitizer's own memory would count against the cgroup";
#else
  MemoryCgroup cgroup(uint64_t{256} << 20);
  if (cgroup.procs().empty()) GTEST_SKIP() << "cannot make a memory cgroup here: " << cgroup.why();
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "w" + std::to_string(i) + (i % 20 == 19 ? "\n" : " ");
  write_file(file("corpus.txt"), text);
  RunOptions opt;
  opt.cgroup_procs = cgroup.procs();
  const RunResult r = train({"model.dim=10000"}, opt);
  expect_error(*this, r, kResource,
               {"not enough memory: model.dim 10000 x vocab 20000 words needs 1600240000 bytes",
                "268435456 bytes (0.2 GiB) are available"},
               Lines::kLast);
#endif
}

// Whether `pid` has a handler installed for `sig` (SigCgt in /proc/PID/status).
bool catches(pid_t pid, int sig) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("SigCgt:", 0) == 0) return (std::stoull(line.substr(7), nullptr, 16) >> (sig - 1)) & 1;
  }
  return false;
}

// The first SIGINT asks for a checkpoint; a second one ends the process at once. The checkpoint
// goes to a FIFO nobody reads, so the run is still writing it when the second signal comes.
TEST_F(BadInput, SecondSigintEndsTheRunAtOnce) {
  write_file(file("corpus.txt"), sentences(2000));
  ASSERT_EQ(::mkfifo(file("ck").c_str(), 0600), 0) << std::strerror(errno);
  Child child(dir_.path().string(), {"train", "train.yaml", "--quiet", "--set", "train.epochs=100000", "--set",
                                     "output.checkpoint=ck"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const auto wait_until = [&](const auto& ready) {
    while (!ready() && !child.done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return ready();
  };
  ASSERT_TRUE(wait_until([&] { return catches(child.pid(), SIGINT); })) << "training never started";
  ::kill(child.pid(), SIGINT);
  ASSERT_TRUE(wait_until([&] { return !catches(child.pid(), SIGINT); })) << "the first SIGINT was not taken";
  EXPECT_FALSE(child.done()) << "the run ended though its checkpoint cannot be written";
  ::kill(child.pid(), SIGINT);
  ASSERT_TRUE(wait_until([&] { return child.done(); })) << "a second SIGINT did not end the run";
  const RunResult r = child.wait();
  EXPECT_EQ(r.signal, SIGINT) << r.err;
  EXPECT_FALSE(fs::exists(file("out.bin")));
}

}  // namespace
}  // namespace gemmvec::test
