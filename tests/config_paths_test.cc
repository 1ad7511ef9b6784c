// gemmvec tests: paths written in a config file are relative to that file's folder; paths on the
// command line (--set, word2vec.c flags) to the current directory. A run from another folder
// reads and writes what it would from the config's own; the OUT.yaml it saves holds absolute
// paths, so it repeats the run from any folder; bench files follow the same rule; the shipped
// configs name files that are there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench_grid.h"
#include "config/config_keys.h"
#include "gemmvec/config.h"
#include "run_gemmvec.h"
#include "test_files.h"

namespace gemmvec::test {
namespace {

const fs::path kRepo = GEMMVEC_SOURCE_DIR;

// The absolute path with symlinks resolved (the temp folder may be reached through one).
std::string real(const fs::path& p) { return fs::weakly_canonical(p).string(); }

TEST(ConfigPaths, RelativePathsInAFileAreTakenFromItsFolder) {
  TempDir dir;
  fs::create_directories(dir.path() / "exp");
  write_file(dir.file("exp/run.yaml"),
             "data: {corpus: [../data/c.txt, /abs/c2.txt], cache_dir: cache}\n"
             "vocab: {save: v.txt}\n"
             "output: {path: ../out/v.bin, metrics: m.jsonl, vocab: \"\"}\n"
             "eval: {analogy: [q.txt], neighbours: [king]}\n"
             "train: {watch: [queen]}\n");
  const Config c = load_config(dir.file("exp/run.yaml"));
  const fs::path exp = real(dir.path() / "exp");
  EXPECT_EQ(c.data.corpus, (std::vector<std::string>{real(dir.path() / "data/c.txt"), "/abs/c2.txt"}));
  EXPECT_EQ(c.data.cache_dir, (exp / "cache").string());
  EXPECT_EQ(c.vocab.save, (exp / "v.txt").string());
  EXPECT_EQ(c.output.path, real(dir.path() / "out/v.bin"));
  EXPECT_EQ(c.output.metrics, (exp / "m.jsonl").string());
  EXPECT_EQ(c.output.vocab, "");  // empty: none, not the folder
  EXPECT_EQ(c.eval.analogy, std::vector<std::string>{(exp / "q.txt").string()});
  EXPECT_EQ(c.eval.neighbours, std::vector<std::string>{"king"});  // words, not paths
  EXPECT_EQ(c.train.watch, std::vector<std::string>{"queen"});
  EXPECT_EQ(c.output.checkpoint, "");  // a key the file does not set keeps its default
}

TEST(ConfigPaths, CommandLinePathsStayRelativeToTheCurrentFolder) {
  Config c;
  apply_override(c, "output.path=runs/a.bin");
  apply_override(c, "data.corpus=[a.txt, b.txt]");
  set_value(c, "vocab.read", "v.txt", "-read-vocab");
  EXPECT_EQ(c.output.path, "runs/a.bin");
  EXPECT_EQ(c.data.corpus, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(c.vocab.read, "v.txt");
  // A file named without a folder is in the current one: its paths stay as written.
  EXPECT_EQ(config_folder("run.yaml"), "");
  EXPECT_EQ(parse_config("output: {path: a.bin}\n", "run.yaml", config_folder("run.yaml")).output.path, "a.bin");
}

TEST(ConfigPaths, EveryPathKeyIsMadeAbsolute) {
  Config c;
  int path_keys = 0;
  for (const config_keys::Key& k : config_keys::keys()) {
    if (!k.path) continue;
    ++path_keys;
    set_value(c, k.name, k.kind == config_keys::Kind::kStringList ? "[rel/x]" : "rel/x", "test");
  }
  EXPECT_GE(path_keys, 12);
  const Config a = with_absolute_paths(c);
  const std::string want = (fs::current_path() / "rel/x").string();
  for (const config_keys::Key& k : config_keys::keys()) {
    if (!k.path) continue;
    SCOPED_TRACE(k.name);
    const config_keys::Value v = k.get(a);
    if (const auto* s = std::get_if<std::string>(&v)) EXPECT_EQ(*s, want);
    else EXPECT_EQ(std::get<std::vector<std::string>>(v), std::vector<std::string>{want});
  }
}

// Train from another folder with a config holding relative paths; the saved OUT.yaml trains
// again, from a third folder, to the same vectors.
TEST(ConfigPaths, TrainFromAnotherFolder) {
  TempDir dir;
  // The runs start in folders at other depths than exp/, where ../data names another folder.
  for (const char* sub : {"exp", "data", "elsewhere/deep", "third/a/b"}) fs::create_directories(dir.path() / sub);
  write_file(dir.file("data/corpus.txt"), test::corpus_head((kRepo / "data/corpus/enwikinews.txt.xz").string(), 300));
  write_file(dir.file("exp/run.yaml"),
             "data: {corpus: [../data/corpus.txt], cache_dir: ../cache}\n"
             "vocab: {min_count: 2}\n"
             "model: {dim: 8}\n"
             "train: {epochs: 1, backend: cpu, deterministic: true}\n"
             "output: {path: ../out/v.bin, metrics: m.jsonl}\n");
  RunResult r = run_gemmvec(dir.file("elsewhere/deep"), {"train", dir.file("exp/run.yaml"), "--quiet"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("out/v.bin")));
  EXPECT_TRUE(fs::exists(dir.file("exp/m.jsonl")));
  EXPECT_TRUE(fs::is_directory(dir.file("cache")));
  for (const auto& e : fs::directory_iterator(dir.file("elsewhere/deep")))  // only the runner's capture files
    EXPECT_EQ(e.path().filename().string().rfind(".run.", 0), 0u) << e.path();

  // A --set path is the current folder's.
  r = run_gemmvec(dir.file("elsewhere/deep"), {"train", dir.file("exp/run.yaml"), "--quiet", "--set", "output.path=here.bin"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(dir.file("elsewhere/deep/here.bin")));

  const Config saved = load_config(dir.file("out/v.bin.yaml"));
  EXPECT_TRUE(fs::path(saved.data.corpus.at(0)).is_absolute()) << saved.data.corpus[0];
  EXPECT_TRUE(fs::path(saved.output.metrics).is_absolute()) << saved.output.metrics;
  r = run_gemmvec(dir.file("third/a/b"), {"train", dir.file("out/v.bin.yaml"), "--quiet", "--set",
                                         "output.path=" + dir.file("third/again.bin")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(same_bytes(read_file(dir.file("third/again.bin")), read_file(dir.file("out/v.bin"))));
}

TEST(ConfigPaths, BenchFilePathsAreTakenFromItsFolder) {
  TempDir dir;
  fs::create_directories(dir.path() / "b");
  write_file(dir.file("b/train.yaml"), "output: {path: t.bin}\neval: {similarity: [s.tsv]}\n");
  write_file(dir.file("b/bench.yaml"),
             "base: train.yaml\nset: {vocab.read: v.txt}\ncorpus: [../c.txt]\neval: {analogy: [q.txt]}\n"
             "grid: {backend: cpu}\n");
  const bench::BenchConfig b = bench::load_bench_config(dir.file("b/bench.yaml"));
  const fs::path folder = real(dir.path() / "b");
  EXPECT_EQ(b.base.output.path, (folder / "t.bin").string());  // from the base file's folder
  EXPECT_EQ(b.base.vocab.read, (folder / "v.txt").string());
  EXPECT_EQ(b.base.data.corpus, std::vector<std::string>{real(dir.path() / "c.txt")});
  EXPECT_EQ(b.base.eval.analogy, std::vector<std::string>{(folder / "q.txt").string()});
}

// Loaded from a folder that is not the repository's, the shipped configs name the bundled files.
TEST(ConfigPaths, ShippedConfigsNameTheirFilesFromAnyFolder) {
  TempDir elsewhere;
  const fs::path before = fs::current_path();
  fs::current_path(elsewhere.path());
  std::vector<std::string> inputs;
  for (const char* name : {"quick.yaml", "default.yaml"}) {
    const Config c = load_config((kRepo / "configs" / name).string());
    inputs.insert(inputs.end(), c.data.corpus.begin(), c.data.corpus.end());
    inputs.insert(inputs.end(), c.eval.analogy.begin(), c.eval.analogy.end());
    inputs.insert(inputs.end(), c.eval.similarity.begin(), c.eval.similarity.end());
    EXPECT_EQ(c.output.path, (fs::path(real(kRepo)) / "runs" / fs::path(name).stem() / "vectors.bin").string());
  }
  const bench::BenchConfig quick = bench::load_bench_config((kRepo / "configs/bench-quick.yaml").string());
  inputs.insert(inputs.end(), quick.base.data.corpus.begin(), quick.base.data.corpus.end());
  inputs.insert(inputs.end(), quick.base.eval.analogy.begin(), quick.base.eval.analogy.end());
  for (const char* name : {"wiki17m-sg.yaml", "wiki17m-cbow.yaml", "1b-words.yaml"})
    EXPECT_EQ(load_config((kRepo / "configs" / name).string()).eval.analogy,
              std::vector<std::string>{(fs::path(real(kRepo)) / "../shared/data/eval/questions-words.txt").lexically_normal().string()});
  fs::current_path(before);
  EXPECT_EQ(inputs.size(), 8u);
  for (const std::string& path : inputs) EXPECT_TRUE(fs::is_regular_file(path)) << path;
}

}  // namespace
}  // namespace gemmvec::test
