// gemmvec tests: `gemmvec bench`: bench configs expanded into points, one-line errors naming the
// key, and a tiny real run checked through its results.json and results.csv.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline_backend.h"
#include "bench_grid.h"
#include "test_files.h"

namespace gemmvec::bench {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

const std::string kRepo = GEMMVEC_SOURCE_DIR;

std::vector<std::string> ids(const BenchConfig& b) {
  std::vector<std::string> out;
  for (const BenchPoint& p : b.points) out.push_back(p.id);
  return out;
}

std::string usage_error(const std::string& yaml) {
  try {
    parse_bench_config(yaml, "b.yaml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

// The repository's configs name paths relative to the repository root.
struct InRepo {
  fs::path before = fs::current_path();
  InRepo() { fs::current_path(kRepo); }
  ~InRepo() { fs::current_path(before); }
};

TEST(BenchGrid, BlocksExpandToTheirProductThenPeersAtEachModelAndDim) {
  const BenchConfig b = parse_bench_config(R"(
corpus: [a.txt]
set: {model.window: 3, train.epochs: 2}
warmup: 0
repeats: 5
grid:
  - {backend: cpu, threads: [1, 2], model: [sg, cbow], dim: 16}
  - {backend: [cuda-host, cuda], dim: [16, 32], batch_words: 4096, threads: 2}
  - {backend: cpu, threads: 1, model: sg, dim: 16}   # already in the first block: runs once
peers:
  tools: [gensim, fasttext]
  threads: 2
)", "b.yaml");
  EXPECT_EQ(b.warmup, 0u);
  EXPECT_EQ(b.repeats, 5u);
  EXPECT_EQ(ids(b), (std::vector<std::string>{
                        "cpu-sg-d16-t1", "cpu-sg-d16-t2", "cpu-cbow-d16-t1", "cpu-cbow-d16-t2",
                        "cuda-host-sg-d16-t2-b4096", "cuda-host-sg-d32-t2-b4096", "cuda-sg-d16-t2-b4096",
                        "cuda-sg-d32-t2-b4096", "gensim-sg-d16-t2", "gensim-cbow-d16-t2", "gensim-sg-d32-t2",
                        "fasttext-sg-d16-t2", "fasttext-cbow-d16-t2", "fasttext-sg-d32-t2"}));
  for (const BenchPoint& p : b.points) {
    EXPECT_EQ(p.config.model.window, 3u) << p.id;  // `set` reaches every point, peers too
    EXPECT_EQ(p.config.train.epochs, 2u) << p.id;
    EXPECT_EQ(p.config.data.corpus, std::vector<std::string>{"a.txt"});
  }
  EXPECT_EQ(b.points[2].config.model.type, ModelType::kCbow);
  EXPECT_EQ(b.points[5].config.train.batch_words, 4096u);
  EXPECT_EQ(b.points[5].config.train.backend, "cuda-host");
  EXPECT_EQ(b.points[9].tool, "gensim");
  EXPECT_EQ(b.points[9].config.train.threads, 2u);
}

TEST(BenchGrid, TheRepositoryBenchConfigsParseAndExpand) {
  InRepo here;
  const BenchConfig quick = load_bench_config("configs/bench-quick.yaml");
  EXPECT_EQ(ids(quick), (std::vector<std::string>{"cpu-sg-d50-t1", "cpu-sg-d50-t2", "cuda-host-sg-d50-t2",
                                                  "cuda-sg-d50-t2", "cpu-sg-d25-t2", "cpu-sg-d100-t2", "cpu-sg-d200-t2",
                                                  "gensim-sg-d50-t2", "fasttext-sg-d50-t2"}));
  EXPECT_EQ(quick.base.train.epochs, 1u);
  EXPECT_GT(quick.corpus_lines, 0u);
  const BenchConfig wiki = load_bench_config("configs/bench-wiki17m.yaml");
  EXPECT_EQ(ids(wiki), (std::vector<std::string>{"cpu-sg-d100-t2", "cpu-cbow-d100-t2", "gensim-sg-d100-t2",
                                                 "gensim-cbow-d100-t2", "fasttext-sg-d100-t2",
                                                 "fasttext-cbow-d100-t2"}));
  for (const BenchPoint& p : wiki.points) {
    EXPECT_EQ(p.config.train.epochs, 5u);
    EXPECT_EQ(p.config.model.negative, 5u);
    EXPECT_EQ(p.config.vocab.min_count, 5u);
    EXPECT_DOUBLE_EQ(p.config.model.sample, 1e-4);
  }
}

TEST(BenchGrid, BadConfigsGiveOneLineNamingTheKey) {
  const std::string grid = "corpus: a.txt\ngrid: {backend: cpu}\n";
  const std::pair<std::string, std::string> cases[] = {
      {grid + "repeet: 3\n", "b.yaml:3: unknown bench key 'repeet' (did you mean 'repeats'?)"},
      {grid + "repeats: 0\n", "b.yaml:3: repeats = 0 is out of range: expected >= 1"},
      {grid + "warmup: -1\n", "b.yaml:3: warmup: expected a non-negative integer, got '-1'"},
      {"corpus: a.txt\ngrid: {backend: gpu}\n", "b.yaml:2: grid.backend = 'gpu' is not valid: expected one of cpu, cuda, cuda-host"},
      {"corpus: a.txt\ngrid: {backend: cpu, dims: 8}\n", "b.yaml:2: unknown grid key 'grid.dims' (did you mean 'grid.dim'?)"},
      {"corpus: a.txt\ngrid: {backend: cpu, dim: 0}\n", "b.yaml:2: model.dim = 0 is out of range"},
      {"corpus: a.txt\ngrid: {backend: cpu, threads: []}\n", "b.yaml:2: grid.threads: expected a value or a list of values, got an empty list"},
      {"corpus: a.txt\ngrid: {threads: 2}\n", "grid: every block needs a backend"},
      {grid + "set: {model.dimm: 8}\n", "b.yaml:3: unknown key 'model.dimm' (did you mean 'model.dim'?)"},
      {grid + "peers: {tools: [gensim, word2vec]}\n", "b.yaml:3: peers.tools = 'word2vec' is not valid: expected one of gensim, fasttext"},
      {grid + "eval: {analogies: [q.txt]}\n", "b.yaml:3: unknown eval key 'eval.analogies' (did you mean 'eval.analogy'?)"},
      {"grid: {backend: cpu}\n", "no corpus"},
      {"corpus: a.txt\n", "nothing to run"},
  };
  for (const auto& [yaml, expected] : cases) {
    const std::string message = usage_error(yaml);
    EXPECT_NE(message.find(expected), std::string::npos) << yaml << "\n-> " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// Runs `gemmvec ARGS` through the shell; returns the exit code and fills stderr.
int gemmvec(const std::string& args, std::string* err) {
  const std::string err_path = ::testing::TempDir() + "gemmvec_bench_test." + std::to_string(::getpid()) + ".stderr";
  const std::string command = std::string("'") + GEMMVEC_BINARY + "' " + args + " >/dev/null 2>'" + err_path + "'";
  const int status = std::system(command.c_str());
  *err = test::read_file(err_path);
  std::remove(err_path.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(BenchCli, ABadBenchConfigExitsTwoWithOneLine) {
  TempDir dir;
  const std::string config = dir.file("bad.yaml");
  test::write_file(config, "corpus: a.txt\ngrid:\n  backend: cpu\n  treads: [1, 2]\n");
  std::string err;
  EXPECT_EQ(gemmvec("bench '" + config + "' --out '" + dir.file("out") + "'", &err), 2);
  EXPECT_NE(err.find("bad.yaml:4: unknown grid key 'grid.treads' (did you mean 'grid.threads'?)"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_FALSE(fs::exists(dir.file("out")));
}

TEST(BenchCli, OutNamingAFileIsOneLine) {
  TempDir dir;
  test::write_file(dir.file("c.txt"), "a b c a b c\n");
  const std::string config = dir.file("b.yaml");
  test::write_file(config, "corpus: " + dir.file("c.txt") + "\ngrid: {backend: cpu}\n");
  test::write_file(dir.file("taken"), "a file");
  std::string err;
  EXPECT_EQ(gemmvec("bench '" + config + "' --out '" + dir.file("taken") + "'", &err), 2);
  EXPECT_NE(err.find("taken: is a file, not a folder"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(test::read_file(dir.file("taken")), "a file");
}

// A real bench on a few hundred lines: one cpu point (ok) and one cuda point (ok on a GPU,
// else skipped with the trainer's reason), each as a child process.
TEST(BenchCli, TinyRunWritesResultsJsonAndCsv) {
  TempDir dir;
  const std::string corpus = dir.file("corpus.txt");
  const std::string text = test::corpus_head(kRepo + "/data/corpus/enwikinews.txt.xz", 300);
  ASSERT_FALSE(text.empty());
  test::write_file(corpus, text);
  const std::string config = dir.file("bench.yaml");
  test::write_file(config, "corpus: '" + corpus + "'\n"
                           "set: {model.dim: 8, train.epochs: 1, vocab.min_count: 2}\n"
                           "warmup: 0\nrepeats: 1\nplots: false\n"
                           "eval: {similarity: ['" + kRepo + "/data/eval/wordsim353.tsv']}\n"
                           "grid:\n  - {backend: cpu, threads: 1}\n  - {backend: cuda, threads: 1}\n");
  const std::string out = dir.file("out");
  std::string err;
  ASSERT_EQ(gemmvec("bench '" + config + "' --out '" + out + "'", &err), 0) << err;

  const auto results = nlohmann::json::parse(test::read_file(out + "/results.json"));
  ASSERT_EQ(results["points"].size(), 2u) << results.dump(2);
  const auto& cpu = results["points"][0];
  EXPECT_EQ(cpu["id"], "cpu-sg-d8-t1");
  EXPECT_EQ(cpu["backend"], "cpu");
  EXPECT_EQ(cpu["settings"]["dim"], 8);
  ASSERT_EQ(cpu["status"], "ok") << cpu.dump(2);
  EXPECT_GT(cpu["words_per_second"].get<double>(), 0);
  EXPECT_GT(cpu["peak_rss_mb"].get<double>(), 0);
  EXPECT_GT(cpu["final_loss"].get<double>(), 0);
  EXPECT_TRUE(cpu["similarity"].is_number());
  EXPECT_EQ(cpu["runs"].size(), 1u);
  EXPECT_FALSE(cpu["loss_curve"].empty());
  EXPECT_EQ(results["corpus"]["lines"], 300);

  const auto& cuda = results["points"][1];
  EXPECT_EQ(cuda["backend"], "cuda");
  const std::string no_gpu = cuda_unavailable_reason();
  if (no_gpu.empty()) {
    EXPECT_EQ(cuda["status"], "ok") << cuda.dump(2);
    EXPECT_GT(cuda["words_per_second"].get<double>(), 0);
  } else {
    EXPECT_EQ(cuda["status"], "skipped");
    EXPECT_EQ(cuda["reason"], no_gpu);
    EXPECT_TRUE(cuda["words_per_second"].is_null());
  }

  const std::string csv = test::read_file(out + "/results.csv");
  EXPECT_EQ(csv.rfind("id,tool,backend,model,dim,threads,", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
  EXPECT_NE(csv.find("\ncpu-sg-d8-t1,gemmvec,cpu,sg,8,1,0,0,1,ok,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(no_gpu.empty() ? "\ncuda-sg-d8-t1,gemmvec,cuda,sg,8,1,0,0,1,ok,"
                                    : "\ncuda-sg-d8-t1,gemmvec,cuda,sg,8,1,0,0,1,skipped,"),
            std::string::npos) << csv;
  // Only the reports stay: the training outputs went with DIR/runs-XXXXXX.
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(out)) left.push_back(entry.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"results.csv", "results.json"}));
}

}  // namespace
}  // namespace gemmvec::bench
