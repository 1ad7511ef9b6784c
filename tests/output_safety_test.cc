// gemmvec tests: outputs never destroy what they should not. An output that is an input (the
// corpus, the config, a prepared corpus) or another output is refused before any work; a link
// planted at a temporary's name is never followed; concurrent writers leave one whole file;
// /dev/null and FIFOs are written in place with nothing created beside them; a link is written
// through, except at the metrics log, which is refused; a read-only output or cache folder
// fails in the first second. Through the gemmvec binary where a user would meet it, through
// write_file_atomic for the writer itself.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "gemmvec/errors.h"
#include "gemmvec/vectors_io.h"
#include "run_gemmvec.h"
#include "test_files.h"
#include "tiny_run.h"

namespace gemmvec::test {
namespace {

constexpr int kOk = 0, kBadInput = 1, kUsage = 2;
constexpr uid_t kNobody = 65534;

using test::sentences;
constexpr const char* kConfig = test::kTinyRunConfig;

class OutputSafety : public ::testing::Test {
 public:
  void SetUp() override {
    write_file(file("train.yaml"), kConfig);
    write_file(file("corpus.txt"), sentences(40));
    corpus_ = read_file(file("corpus.txt"));
  }
  std::string file(const std::string& name) const { return dir_.file(name); }
  std::string dir() const { return dir_.path().string(); }
  RunResult train(std::vector<std::string> sets, const RunOptions& opt = {}) const {
    std::vector<std::string> args{"train", "train.yaml", "--quiet"};
    for (std::string& s : sets) args.insert(args.end(), {"--set", s});
    return run_gemmvec(dir(), args, opt);
  }
  RunResult gemmvec(const std::vector<std::string>& args) const { return run_gemmvec(dir(), args); }

  // Refused as a usage error, on one line naming both keys, before anything was read or
  // written: the corpus is byte for byte what it was, no token cache was made.
  void expect_refused(const RunResult& r, const std::vector<std::string>& needles) const {
    EXPECT_EQ(r.code, kUsage) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line:\n" << r.err;
    EXPECT_EQ(r.err.rfind("gemmvec: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("is the same file as"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("choose another output"), std::string::npos) << r.err;
    for (const std::string& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
    EXPECT_EQ(read_file(file("corpus.txt")), corpus_);
    EXPECT_FALSE(fs::exists(file("cache")));
  }

  TempDir dir_;
  std::string corpus_;
};

// ---- an output that is an input ------------------------------------------------------------

TEST_F(OutputSafety, OutputOntoTheCorpusIsRefused) {
  expect_refused(gemmvec({"-train", "corpus.txt", "-output", "corpus.txt", "-min-count", "1", "--quiet"}),
                 {"output.path (corpus.txt) is the same file as data.corpus (corpus.txt)"});
  expect_refused(train({"output.path=corpus.txt"}), {"output.path (corpus.txt)", "data.corpus (corpus.txt)"});
  expect_refused(train({"output.vocab=corpus.txt"}), {"output.vocab (corpus.txt)", "data.corpus"});
  expect_refused(train({"output.metrics=corpus.txt"}), {"output.metrics (corpus.txt)", "data.corpus"});
  expect_refused(train({"vocab.save=corpus.txt"}), {"vocab.save (corpus.txt)", "data.corpus"});
  expect_refused(gemmvec({"-train", "corpus.txt", "-output", "o.bin", "-save-vocab", "corpus.txt", "--quiet"}),
                 {"vocab.save (corpus.txt)", "data.corpus"});
  expect_refused(train({"output.checkpoint=corpus.txt"}), {"output.checkpoint (corpus.txt)", "data.corpus"});
  // Spelled another way, or through a link: the same file all the same.
  fs::create_directories(file("sub"));
  expect_refused(train({"output.path=sub/../corpus.txt"}), {"data.corpus"});
  ASSERT_EQ(::symlink("corpus.txt", file("link.txt").c_str()), 0);
  expect_refused(train({"output.path=link.txt"}), {"output.path (link.txt)", "data.corpus (corpus.txt)"});
  ASSERT_EQ(::link(file("corpus.txt").c_str(), file("hard.txt").c_str()), 0);
  expect_refused(train({"output.path=hard.txt"}), {"output.path (hard.txt)"});
  // output.format both writes a .txt twin of the vectors: corpus.bin's twin is corpus.txt.
  expect_refused(train({"output.path=corpus.bin", "output.format=both"}),
                 {"output.path's .txt copy (corpus.txt)", "data.corpus"});
}

TEST_F(OutputSafety, OutputOntoTheOtherInputsIsRefused) {
  write_file(file("q.txt"), ": sec\nthe cat sat on\n");
  const std::string questions = read_file(file("q.txt"));
  expect_refused(train({"eval.analogy=[q.txt]", "output.vocab=q.txt"}), {"output.vocab (q.txt)", "eval.analogy (q.txt)"});
  expect_refused(train({"eval.similarity=[q.txt]", "output.path=q.txt"}), {"eval.similarity (q.txt)"});
  write_file(file("w.vocab"), "the 5\ncat 3\n");
  expect_refused(train({"vocab.read=w.vocab", "vocab.save=w.vocab"}), {"vocab.save (w.vocab)", "vocab.read (w.vocab)"});
  EXPECT_EQ(read_file(file("q.txt")), questions);
  EXPECT_EQ(read_file(file("w.vocab")), "the 5\ncat 3\n");
  // A prepared corpus: PREFIX.vocab and PREFIX.tokens are inputs.
  ASSERT_EQ(gemmvec({"prepare", "corpus.txt", "--out", "p"}).code, kOk);
  const std::string tokens = read_file(file("p.tokens"));
  expect_refused(train({"data.corpus=[]", "data.tokens=p", "output.vocab=p.vocab"}), {"output.vocab (p.vocab)", "data.tokens (p.vocab)"});
  expect_refused(train({"data.corpus=[]", "data.tokens=p", "output.path=p.tokens"}), {"data.tokens (p.tokens)"});
  EXPECT_EQ(read_file(file("p.tokens")), tokens);
}

// ---- two outputs that are one file ---------------------------------------------------------

// The later write would replace the earlier: refused before any work, naming both keys.
TEST_F(OutputSafety, TwoOutputsOnOneFileAreRefused) {
  expect_refused(train({"output.vocab=v.txt", "output.metrics=v.txt"}), {"output.metrics (v.txt)", "output.vocab (v.txt)"});
  expect_refused(train({"output.vocab=v.txt", "vocab.save=v.txt"}), {"vocab.save (v.txt)", "output.vocab (v.txt)"});
  expect_refused(train({"output.format=both", "output.vocab=out.txt"}),
                 {"output.vocab (out.txt)", "output.path's .txt copy (out.txt)"});
  expect_refused(train({"output.checkpoint=out.bin"}), {"output.checkpoint (out.bin)", "output.path (out.bin)"});
  expect_refused(train({"output.metrics=out.bin.json"}), {"output.metrics (out.bin.json)", "output.path's report"});
  // An existing file reached through a link, or spelled another way.
  write_file(file("v.txt"), "old\n");
  ASSERT_EQ(::symlink("v.txt", file("v-link.txt").c_str()), 0);
  expect_refused(train({"output.vocab=v.txt", "output.metrics=v-link.txt"}), {"output.metrics (v-link.txt)", "output.vocab"});
  fs::create_directories(file("sub"));
  expect_refused(train({"output.vocab=sub/../w.txt", "vocab.save=w.txt"}), {"vocab.save (w.txt)", "output.vocab"});
  EXPECT_EQ(read_file(file("v.txt")), "old\n");
  EXPECT_FALSE(fs::exists(file("out.bin")));
}

// output.save_output writes the output layer beside the vectors (vectors.out.bin), in the same
// format, under the same words; it counts as an output, so it may not land on an input.
TEST_F(OutputSafety, SaveOutputWritesTheOutputLayerBesideTheVectors) {
  write_file(file("q.out.bin"), ": sec\nthe cat sat on\n");
  expect_refused(train({"output.save_output=true", "output.path=q.bin", "eval.analogy=[q.out.bin]"}),
                 {"output.save_output's output layer (q.out.bin)", "eval.analogy (q.out.bin)"});
  const RunResult r = train({"output.save_output=true", "output.format=both"});
  ASSERT_EQ(r.code, kOk) << r.err;
  const WordVectors in = load_word2vec(file("out.bin"));
  for (const char* name : {"out.out.bin", "out.out.txt"}) {
    const WordVectors out = load_word2vec(file(name));
    EXPECT_EQ(out.words, in.words) << name;
    EXPECT_EQ(out.dim, in.dim) << name;
    EXPECT_NE(out.data, in.data) << name << " holds the input vectors";
    EXPECT_GT(std::count_if(out.data.begin(), out.data.end(), [](float x) { return x != 0.0f; }), 0) << name;
  }
  // hs's output rows are tree nodes, not words.
  const RunResult hs = train({"output.save_output=true", "model.loss=hs"});
  EXPECT_EQ(hs.code, kUsage) << hs.err;
  EXPECT_NE(hs.err.find("output.save_output"), std::string::npos) << hs.err;
}

// `gemmvec train exp.yaml` with output.path exp: PATH.yaml would replace the user's config with
// the resolved one.
TEST_F(OutputSafety, OutputBesideTheConfigOntoItIsRefused) {
  const std::string config = std::string(kConfig) + "# my notes\n";
  write_file(file("exp.yaml"), config);
  expect_refused(gemmvec({"train", "exp.yaml", "--quiet", "--set", "output.path=exp"}),
                 {"output.path's config copy (exp.yaml)", "the config file (exp.yaml)"});
  expect_refused(gemmvec({"train", "exp.yaml", "--quiet", "--set", "output.metrics=exp.yaml"}),
                 {"output.metrics (exp.yaml)", "the config file"});
  EXPECT_EQ(read_file(file("exp.yaml")), config);
  // Any output, not only the config copy: here the checkpoint.
  expect_refused(gemmvec({"train", "exp.yaml", "--quiet", "--set", "output.path=exp", "--set", "output.save_config=false",
                          "--set", "output.checkpoint=exp.yaml"}),
                 {"output.checkpoint (exp.yaml)"});
  EXPECT_EQ(read_file(file("exp.yaml")), config);
}

TEST_F(OutputSafety, PrepareOntoItsOwnInputIsRefused) {
  ASSERT_EQ(::rename(file("corpus.txt").c_str(), file("c.tokens").c_str()), 0);
  const RunResult r = gemmvec({"prepare", "c.tokens", "--out", "c"});
  EXPECT_EQ(r.code, kUsage) << r.err;
  EXPECT_NE(r.err.find("--out (c.tokens) is the same file as data.corpus (c.tokens)"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(file("c.tokens")), corpus_);
  EXPECT_FALSE(fs::exists(file("c.vocab")));
  write_file(file("c.vocab"), "x");
  EXPECT_EQ(gemmvec({"prepare", "c.vocab", "--out", "c"}).code, kUsage);
  EXPECT_EQ(read_file(file("c.vocab")), "x");
}

// ---- temporaries: fresh names, never a link ------------------------------------------------

TEST_F(OutputSafety, PlantedLinksAtTemporaryNamesAreNotFollowed) {
  write_file(file("victim"), "precious\n");
  // The old fixed names: PATH.tmp (vectors, config copy, report) and PREFIX.tokens.tmp.PID.
  for (const char* name : {"out.bin.tmp", "out.bin.yaml.tmp", "out.bin.json.tmp", "p.vocab.tmp"})
    ASSERT_EQ(::symlink(file("victim").c_str(), file(name).c_str()), 0) << name;
  const RunResult r = train({});
  ASSERT_EQ(r.code, kOk) << r.err;
  EXPECT_NO_THROW(load_word2vec(file("out.bin")));
  RunOptions gated;
  gated.gated = true;  // the old token temporary's name held the pid: plant it before exec
  Child child(dir(), {"prepare", "corpus.txt", "--out", "p"}, gated);
  ASSERT_EQ(::symlink(file("victim").c_str(), file("p.tokens.tmp." + std::to_string(child.pid())).c_str()), 0);
  EXPECT_EQ(child.wait().code, kOk);
  EXPECT_EQ(read_file(file("victim")), "precious\n");
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(file("out.bin.tmp"))));
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(file("p.tokens"))));
}

// The temporary is a new file of its own: NAME.tmp.XXXXXX, created empty with 0644 less the
// umask, a different name each time, beside the output.
TEST(AtomicFile, TemporariesAreFreshFilesWithUniqueNames) {
  TempDir dir;
  const std::string out = dir.file("v.bin");
  std::set<std::string> names;
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  for (int i = 0; i < 200; ++i) {
    std::string tmp;
    const int fd = create_temporary(out, tmp);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    struct stat st;
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_size, 0);
    EXPECT_EQ(st.st_mode & 0777, 0644u & ~umask_now);
    EXPECT_EQ(tmp.rfind(out + ".tmp.", 0), 0u) << tmp;
    EXPECT_EQ(tmp.size(), out.size() + 11) << tmp;
    EXPECT_TRUE(names.insert(tmp).second) << "name reused: " << tmp;
    ::close(fd);
  }
}

// 8 threads, and then 8 processes, write one output at once: it is then one writer's file,
// whole, and no temporary is left.
TEST(AtomicFile, ConcurrentWritersLeaveOneWholeFile) {
  TempDir dir;
  const std::string out = dir.file("shared.txt");
  constexpr int kWriters = 8;
  std::vector<std::string> contents;
  for (int w = 0; w < kWriters; ++w) contents.push_back(std::string(size_t{3} << 20, static_cast<char>('a' + w)) + "\n");
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ready{0}, failed{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w)
      writers.emplace_back([&, w] {
        ++ready;
        while (ready < kWriters) std::this_thread::yield();  // all start together
        try {
          write_file_atomic(out, contents[w]);
        } catch (const std::exception& e) {  // a writer that lost its temporary to another
          ++failed;
          ADD_FAILURE() << e.what();
        }
      });
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(failed.load(), 0);
    const std::string now = read_file(out);
    EXPECT_NE(std::find(contents.begin(), contents.end(), now), contents.end())
        << "torn: " << now.size() << " bytes, starting '" << now.substr(0, 1) << "'";
    EXPECT_EQ(temporaries_of(out), std::vector<std::string>{});
  }
}

TEST_F(OutputSafety, ConcurrentRunsLeaveOneWholeFile) {
  constexpr int kRuns = 8;
  // Text vectors, the slowest to write; each run its own seed, so each writes its own bytes.
  std::vector<std::unique_ptr<Child>> runs;
  for (int i = 0; i < kRuns; ++i) {
    const std::string sub = file("run" + std::to_string(i));
    fs::create_directories(sub);  // each child's stdout/stderr files in its own folder
    runs.push_back(std::make_unique<Child>(
        sub, std::vector<std::string>{"train", "../train.yaml", "--quiet", "--set", "data.corpus=[../corpus.txt]",
                                      "--set", "data.cache_dir=../cache", "--set",
                                      "output.format=txt", "--set", "output.path=../shared.txt", "--set",
                                      "output.save_config=false", "--set", "train.seed=" + std::to_string(i + 1),
                                      "--set", "model.dim=64"}));
  }
  for (auto& run : runs) {
    const RunResult r = run->wait();
    EXPECT_EQ(r.code, kOk) << r.err;
  }
  const WordVectors v = load_word2vec(file("shared.txt"));
  EXPECT_EQ(v.words.size(), 10u);
  EXPECT_EQ(v.dim, 64u);
  EXPECT_EQ(v.data.size(), 10u * 64u);
  EXPECT_EQ(temporaries_of(file("shared.txt")), std::vector<std::string>{});
}

// ---- outputs that are not regular files ----------------------------------------------------

TEST_F(OutputSafety, DevNullStaysADeviceWithNothingBesideIt) {
  struct stat before;
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  for (const char* format : {"bin", "txt", "both"}) {
    const RunResult r = gemmvec({"-train", "corpus.txt", "-output", "/dev/null", "-min-count", "1", "-size", "8",
                                 "--quiet", "--set", std::string("output.format=") + format, "--set",
                                 "output.save_output=true"});
    EXPECT_EQ(r.code, kOk) << r.err;
    struct stat after;
    ASSERT_EQ(::stat("/dev/null", &after), 0);
    EXPECT_TRUE(S_ISCHR(after.st_mode)) << "/dev/null was replaced";
    EXPECT_EQ(after.st_rdev, before.st_rdev);
    for (const char* side : {"/dev/null.json", "/dev/null.yaml", "/dev/null.ckpt", "/dev/null.txt", "/dev/null.out"})
      EXPECT_FALSE(fs::exists(fs::symlink_status(side))) << side << " was created";
    EXPECT_EQ(temporaries_of("/dev/null"), std::vector<std::string>{});
  }
}

// A FIFO output is written into (a reader gets the vectors), never replaced by a file.
TEST_F(OutputSafety, FifoOutputIsWrittenInPlace) {
  const std::string fifo = file("vectors.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  // The reader holds the FIFO open (non-blocking, so it never waits on a writer that does not
  // come) and reads until the writer has come and gone, or the run is over with nothing sent.
  std::string received;
  std::atomic<bool> run_over{false};
  const int in = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(in, 0) << std::strerror(errno);
  std::thread reader([&] {
    char buf[1 << 16];
    for (;;) {
      const bool over = run_over;
      const ssize_t n = ::read(in, buf, sizeof(buf));
      if (n > 0) {
        received.append(buf, static_cast<size_t>(n));
      } else if (n == 0 && (!received.empty() || over)) {
        break;  // EOF: no writer any more
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  });
  const RunResult r = train({"output.path=vectors.fifo", "output.format=txt"});
  run_over = true;
  reader.join();
  ::close(in);
  ASSERT_EQ(r.code, kOk) << r.err;
  EXPECT_TRUE(fs::is_fifo(fs::symlink_status(fifo)));
  EXPECT_EQ(received.substr(0, received.find('\n')), "10 8");
  for (const char* side : {"vectors.fifo.json", "vectors.fifo.yaml", "vectors.fifo.ckpt", "vectors.txt"})
    EXPECT_FALSE(fs::exists(file(side))) << side;
}

// A link as the output: the vectors go to its target, written atomically there; the link stays.
TEST_F(OutputSafety, LinkedOutputIsWrittenThrough) {
  fs::create_directories(file("store"));
  ASSERT_EQ(::symlink("store/real.bin", file("out.bin").c_str()), 0);  // dangling until the run
  ASSERT_EQ(train({}).code, kOk);
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(file("out.bin"))));
  EXPECT_EQ(load_word2vec(file("store/real.bin")).words.size(), 10u);
  const std::string first = read_file(file("store/real.bin"));
  const RunResult again = train({"train.seed=7"});  // over an existing target
  ASSERT_EQ(again.code, kOk) << again.err;
  EXPECT_TRUE(fs::is_symlink(fs::symlink_status(file("out.bin"))));
  EXPECT_NE(read_file(file("store/real.bin")), first);
  EXPECT_EQ(temporaries_of(file("store/real.bin")), std::vector<std::string>{});
  EXPECT_EQ(temporaries_of(file("out.bin")), std::vector<std::string>{});
}

// ---- an output folder that cannot be written ----------------------------------------------

TEST_F(OutputSafety, ReadOnlyOutputFolderFailsFast) {
  // Root writes anywhere: run as nobody, for whom the 0555 folder is read-only.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run gemmvec as nobody";
  ASSERT_EQ(::chmod(dir().c_str(), 0777), 0);  // out.bin and the cache can be written here
  fs::create_directories(file("ro"));
  ASSERT_EQ(::chmod(file("ro").c_str(), 0555), 0);
  // Enough text that training would take a while.
  std::string text;
  for (int i = 0; i < 4000; ++i) text += sentences(10);
  write_file(file("big.txt"), text);
  fs::create_directories(file("cache"));
  ASSERT_EQ(::chmod(file("cache").c_str(), 0777), 0);
  RunOptions nobody;
  nobody.uid = kNobody;
  for (const std::vector<std::string>& sets : std::vector<std::vector<std::string>>{
           {"output.path=ro/out.bin"}, {"output.vocab=ro/v.txt"}, {"output.metrics=ro/sub/m.jsonl"},
           {"data.cache_dir=ro/cache"}, {"data.cache_dir=ro"}}) {
    std::vector<std::string> all{"data.corpus=[big.txt]", "model.dim=100", "train.epochs=5"};
    all.insert(all.end(), sets.begin(), sets.end());
    const auto t0 = std::chrono::steady_clock::now();
    const RunResult r = train(all, nobody);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.code == kSetupFailed) GTEST_SKIP() << "cannot run gemmvec as nobody here";
    EXPECT_EQ(r.code, kBadInput) << r.err;
    EXPECT_LT(seconds, 3.0);
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line (did it train?):\n" << r.err;
    const std::string key = sets[0].substr(0, sets[0].find('='));
    EXPECT_NE(r.err.find("gemmvec: " + key + ": "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ro"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(fs::is_empty(file("ro")));
}

// The token cache folder is checked with the outputs: one that cannot be created (a file is in
// the way; as nobody, a read-only folder is checked above) fails before the corpus is read.
TEST_F(OutputSafety, CacheFolderThatCannotBeCreatedFailsFast) {
  const RunResult r = train({"data.cache_dir=corpus.txt/cache"});
  EXPECT_EQ(r.code, kBadInput) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line:\n" << r.err;
  EXPECT_EQ(r.err.rfind("gemmvec: data.cache_dir: cannot create the folder corpus.txt/cache", 0), 0u) << r.err;
  EXPECT_FALSE(fs::exists(file("out.bin")));
  EXPECT_EQ(read_file(file("corpus.txt")), corpus_);
}

// ---- the metrics log: appended live, never through a link ----------------------------------

TEST_F(OutputSafety, MetricsLogAtALinkIsRefusedAndItsTargetUntouched) {
  write_file(file("precious.txt"), "precious\n");
  ASSERT_EQ(::symlink("precious.txt", file("m.jsonl").c_str()), 0);
  ASSERT_EQ(::symlink("missing.txt", file("dangling.jsonl").c_str()), 0);
  for (const char* link : {"m.jsonl", "dangling.jsonl"}) {
    SCOPED_TRACE(link);
    const RunResult r = train({std::string("output.metrics=") + link});
    EXPECT_EQ(r.code, kBadInput) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line:\n" << r.err;
    EXPECT_EQ(r.err.rfind(fmt::format("gemmvec: output.metrics: {} is a symbolic link", link), 0), 0u) << r.err;
    EXPECT_TRUE(!fs::exists(file("cache")) || fs::is_empty(file("cache"))) << "the corpus was read";
    EXPECT_FALSE(fs::exists(file("out.bin")));
  }
  EXPECT_EQ(read_file(file("precious.txt")), "precious\n");
  EXPECT_FALSE(fs::exists(file("missing.txt")));
  // A plain file is truncated and written; a resumed run would append.
  write_file(file("plain.jsonl"), "old line\n");
  const RunResult r = train({"output.metrics=plain.jsonl"});
  ASSERT_EQ(r.code, kOk) << r.err;
  const std::string log = read_file(file("plain.jsonl"));
  EXPECT_EQ(log.find("old line"), std::string::npos);
  EXPECT_NE(log.find("\"loss\""), std::string::npos) << log;
}

}  // namespace
}  // namespace gemmvec::test
