// gemmvec tests: every command ends under a small address-space limit (ulimit -v 200000, and
// 100000): done, or one "gemmvec: " line with a documented exit code, within 30 s; never a crash,
// never a hang (OpenBLAS's threads once spun forever on their buffers, and exit waited for them).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "bad_input_fixture.h"

namespace gemmvec::test {
namespace {

TEST_F(BadInput, EveryCommandEndsUnderASmallAddressSpaceLimit) {
#ifdef GEMMVEC_SANITIZED
  GTEST_SKIP() << "a sanitizer reserves terabytes of address space: no RLIMIT_AS child under it";
#else
  write_file(file("corpus.txt"), sentences(400));
  ASSERT_EQ(gemmvec({"train", "train.yaml", "--quiet"}).code, kOk);  // out.bin, without a limit
  const std::string analogy = std::string(GEMMVEC_SOURCE_DIR) + "/data/eval/questions-words.txt";
  const std::string similarity = std::string(GEMMVEC_SOURCE_DIR) + "/data/eval/wordsim353.tsv";
  const std::vector<std::vector<std::string>> commands = {
      {"--version"},
      {"--help"},
      {"init"},
      {"info"},
      {"train", "train.yaml", "--quiet", "--set", "output.path=t.bin"},
      {"train", "train.yaml", "--quiet", "--set", "output.path=h.bin", "--set", "train.backend=cuda-host"},
      {"train", "train.yaml", "--quiet", "--set", "output.path=e.bin", "--set", "eval.analogy=[" + analogy + "]"},
      {"-train", "corpus.txt", "-output", "w.bin", "-size", "8", "-iter", "1", "-threads", "2", "--quiet"},
      {"prepare", "corpus.txt", "--out", "p"},
      {"eval", "out.bin", "--analogy", analogy, "--similarity", similarity},
      {"similar", "out.bin", "cat"},
      {"analogy", "out.bin", "the", "cat", "dog"},
  };
  // 200000 KB is the limit users set; at 100000 OpenBLAS's threads used to spin forever.
  for (const uint64_t limit_kb : {200000, 100000})
  for (const auto& args : commands) {
    RunOptions opt;
    opt.address_space = limit_kb << 10;
    std::string shown;
    for (const std::string& a : args) shown += " " + a;
    SCOPED_TRACE("ulimit -v " + std::to_string(limit_kb) + "; gemmvec" + shown);
    Child child(dir_.path().string(), args, opt);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!child.done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ASSERT_TRUE(child.done()) << "still running after 30 s";
    const RunResult r = child.wait();
    ASSERT_EQ(r.signal, 0) << "ended by " << strsignal(r.signal) << "\n" << r.err;
    EXPECT_TRUE(r.code == kOk || r.code == kBadInput || r.code == kUsage || r.code == kResource) << r.code << "\n" << r.err;
    if (r.code != kOk) {
      ASSERT_FALSE(r.err.empty());
      const std::string body = r.err.substr(0, r.err.size() - 1);
      const size_t nl = body.rfind('\n');
      EXPECT_EQ(body.compare(nl == std::string::npos ? 0 : nl + 1, 9, "gemmvec: "), 0) << r.err;
    }
  }
#endif
}

}  // namespace
}  // namespace gemmvec::test
