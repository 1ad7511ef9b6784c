// gemmvec tests: the command line, run as users run it (the built binary, exit codes, stderr).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gemmvec/config.h"
#include "pipeline_fixture.h"
#include "test_files.h"

namespace gemmvec {
namespace {

struct Result {
  int exit_code = -1;
  std::string out, err;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Runs `gemmvec ARGS` through the shell; stdout and stderr are captured separately.
Result gemmvec(const std::string& args) {
  // ctest runs tests in parallel processes: one stderr file per process.
  const std::string err_path = ::testing::TempDir() + "gemmvec_cli_test." + std::to_string(::getpid()) + ".stderr";
  const std::string command = std::string("'") + GEMMVEC_BINARY + "' " + args + " 2>'" + err_path + "'";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = read_file(err_path);
  std::remove(err_path.c_str());
  return r;
}

std::string temp_file(const std::string& name, const std::string& content) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << content;
  return path;
}

TEST(Cli, InitPrintsATemplateThatParsesToTheDefaults) {
  const Result r = gemmvec("init");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, config_template());
  EXPECT_EQ(to_yaml(parse_config(r.out, "init")), to_yaml(Config{}));
}

TEST(Cli, HelpAndVersion) {
  Result r = gemmvec("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("gemmvec train CONFIG.yaml"), std::string::npos);
  EXPECT_NE(r.out.find("-train FILE -output FILE"), std::string::npos);
  EXPECT_EQ(gemmvec("train --help").exit_code, 0);
  EXPECT_EQ(gemmvec("-train x --help").exit_code, 0);
  EXPECT_EQ(gemmvec("--version").exit_code, 0);
  r = gemmvec("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage"), std::string::npos);
}

TEST(Cli, UnknownCommandNamesTheClosest) {
  const Result r = gemmvec("trian x.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("gemmvec: unknown command 'trian' (did you mean 'train'?)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, UnknownOptionNamesTheClosest) {
  const Result r = gemmvec("eval v.bin --analogyy q.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean '--analogy'?"), std::string::npos) << r.err;
}

TEST(Cli, UnknownWord2vecFlagNamesTheClosest) {
  const Result r = gemmvec("-train corpus.txt -output v.txt -sizee 100");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown flag '-sizee' (did you mean '-size'?)"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(Cli, Word2vecFlagErrors) {
  Result r = gemmvec("-train corpus.txt -output v.txt -size abc");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-size: model.dim"), std::string::npos) << r.err;
  r = gemmvec("-train corpus.txt -output v.txt -binary 2");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-binary expects 0 or 1"), std::string::npos) << r.err;
  r = gemmvec("-output v.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("-train FILE is required"), std::string::npos) << r.err;
  r = gemmvec("-train corpus.txt -output v.txt --set model.dimm=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("model.dim'"), std::string::npos) << r.err;
}

TEST(Cli, Word2vecFlagsMapToConfigWithWord2vecDefaults) {
  // The corpus does not exist: the resolved config is printed (-v), then the run stops with exit 1.
  const std::string missing = ::testing::TempDir() + "gemmvec_no_such_corpus.txt";
  const Result r = gemmvec("-train '" + missing + "' -output v.txt -size 7 -window 3 -negative 9 -iter 2 -min-count 1 "
                        "-threads 1 -hs 0 -debug 2 -save-vocab w.vocab --set train.seed=9 -v");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const std::string yaml = r.err.substr(0, r.err.rfind("gemmvec: "));
  const Config c = parse_config(yaml, "stderr");
  EXPECT_EQ(c.data.corpus, (std::vector<std::string>{missing}));
  EXPECT_EQ(c.output.path, "v.txt");
  EXPECT_EQ(c.output.format, "txt");  // -binary 0
  EXPECT_EQ(c.model.type, ModelType::kCbow);  // -cbow 1
  EXPECT_DOUBLE_EQ(c.model.sample, 1e-3);
  EXPECT_EQ(c.model.dim, 7u);
  EXPECT_EQ(c.model.window, 3u);
  EXPECT_EQ(c.model.negative, 9u);
  EXPECT_EQ(c.train.epochs, 2u);
  EXPECT_EQ(c.train.threads, 1u);
  EXPECT_EQ(c.vocab.min_count, 1u);
  EXPECT_EQ(c.vocab.save, "w.vocab");
  EXPECT_EQ(c.train.seed, 9u);
  EXPECT_NE(r.err.find(missing), std::string::npos);
}

// word2vec.c trains hs and negative sampling side by side when both are asked for (its default
// -negative is 5); gemmvec trains one output layer: -hs 1 needs -negative 0, and one of the
// two must be on. Each refusal is one line, exit 2, before any file is read.
TEST(Cli, Word2vecHsFlagsNeedExactlyOneOutputLayer) {
  const struct {
    const char* flags;
    const char* says;
  } cases[] = {
      {"-hs 1", "-hs 1 with -negative 5 trains two output layers in word2vec.c; gemmvec trains one (pass -negative 0"},
      {"-negative 3 -hs 1", "-hs 1 with -negative 3 trains two output layers"},
      {"-hs 0 -negative 0", "-hs 0 -negative 0 leaves no output layer (pass -negative N, or -hs 1 -negative 0)"},
      {"-negative 0", "leaves no output layer"},
      {"-hs 1 -negative x", "-negative: model.negative"},
      {"-hs 2 -negative 0", "-hs expects 0 or 1"},
  };
  for (const auto& c : cases) {
    const Result r = gemmvec(std::string("-train no_such_corpus.txt -output v.txt ") + c.flags);
    EXPECT_EQ(r.exit_code, 2) << c.flags << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.flags << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << c.flags << ": " << r.err;
  }
}

// -hs 1 -negative 0 is model.loss hs, in either order; model.negative keeps its default.
TEST(Cli, Word2vecHsOneNegativeZeroIsLossHs) {
  const std::string missing = ::testing::TempDir() + "gemmvec_no_such_corpus.txt";
  for (const char* flags : {"-hs 1 -negative 0", "-negative 0 -hs 1"}) {
    const Result r = gemmvec("-train '" + missing + "' -output v.txt -v " + flags);  // -v: the config on stderr
    EXPECT_EQ(r.exit_code, 1) << r.err;  // the config is valid: the missing corpus stops it
    const Config c = parse_config(r.err.substr(0, r.err.rfind("gemmvec: ")), "stderr");
    EXPECT_EQ(c.model.loss, "hs") << flags;
    EXPECT_EQ(c.model.negative, ModelConfig{}.negative) << flags;
  }
}

// hs on the GEMM pipeline: one line saying to use the cpu backend, before the corpus is read.
TEST(Cli, HsOnThePipelineIsRefusedBeforeTheData) {
  const std::string cache = ::testing::TempDir() + "cli_hs_cache." + std::to_string(::getpid());
  const std::string corpus = temp_file("cli_hs_corpus.txt", "a b c a b c a b\n");
  for (const char* backend : {"cuda", "cuda-host"}) {
    const Result r = gemmvec("-train '" + corpus + "' -output '" + ::testing::TempDir() + "cli_hs.bin' -min-count 1 -hs 1 -negative 0 --set train.backend=" + backend + " --set data.cache_dir='" + cache + "' --quiet");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("(use train.backend: cpu)"), std::string::npos) << r.err;
    EXPECT_NE(access(cache.c_str(), F_OK), 0) << "the corpus was read into " << cache;
  }
}

TEST(Cli, FusedStepTrainsOnCudaHostAndRefusesDeterministic) {
  const std::string dir = ::testing::TempDir() + "cli_fused." + std::to_string(::getpid());
  const std::string corpus = temp_file("cli_fused_corpus.txt", test::synthetic_text(500, 30000, 3));
  const std::string common = "-train '" + corpus + "' -output '" + dir + "/v.bin' -min-count 1 -size 32 -iter 2 "
                             "--set train.backend=cuda-host --set train.step=fused --set data.cache_dir='" + dir + "/cache'";
  Result r = gemmvec(common + " --set train.deterministic=true --quiet");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("with train.deterministic: true use train.step: gemm"), std::string::npos) << r.err;
  EXPECT_NE(access((dir + "/cache").c_str(), F_OK), 0) << "the corpus was read before the refusal";
  r = gemmvec(common);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("cuda-host"), std::string::npos) << r.err;
  EXPECT_EQ(access((dir + "/v.bin").c_str(), F_OK), 0);
  const std::string saved = read_file(dir + "/v.bin.yaml");
  EXPECT_NE(saved.find("step: fused"), std::string::npos) << saved;
}

TEST(Cli, TrainReportsConfigErrorsWithExitCode2) {
  const std::string config = temp_file("gemmvec_cli_test.yaml", "data:\n  corpus: [nothing.txt]\nmodel:\n  dim: 50\n");
  Result r = gemmvec("train '" + config + "' --set model.dimm=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("(did you mean 'model.dim'?)"), std::string::npos) << r.err;
  r = gemmvec("train '" + config + "' --set model.dim=0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("model.dim = 0 is out of range"), std::string::npos) << r.err;
  r = gemmvec("train '" + config + "' --sett model.dim=3");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean '--set'?"), std::string::npos) << r.err;
  r = gemmvec("train");
  EXPECT_EQ(r.exit_code, 2);
  r = gemmvec("train '" + ::testing::TempDir() + "no_such_config.yaml'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no_such_config.yaml"), std::string::npos) << r.err;
  // A missing corpus is found before training starts, with --quiet nothing else is printed. It
  // is named as read: from the config file's folder.
  r = gemmvec("train '" + config + "' --quiet");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "gemmvec: " + path_in_folder(config_folder(config), "nothing.txt") +
                       ": no such file (check data.corpus in the config or the path given)\n");
  std::remove(config.c_str());
}

TEST(Cli, InfoExitsZero) {
  const Result r = gemmvec("info");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gemmvec"), std::string::npos);
  EXPECT_NE(r.out.find("backends"), std::string::npos);
  EXPECT_NE(r.out.find("blas"), std::string::npos);
}

TEST(Cli, SimilarAnalogyAndEvalOnTinyVectors) {
  // Four words in 2-D: king - man + woman lands on queen.
  const std::string vectors = temp_file("gemmvec_cli_vectors.txt",
                                        "5 2\nman 1.0 0.0\nwoman 0.0 1.0\nking 1.0 0.2\nqueen 0.2 1.0\napple -1.0 -1.0\n");
  Result r = gemmvec("analogy '" + vectors + "' man king woman -n 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\t')), "queen");
  r = gemmvec("similar '" + vectors + "' king -n 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\t')), "man");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2);
  r = gemmvec("similar '" + vectors + "' emperor");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("'emperor'"), std::string::npos);

  const std::string questions = temp_file("gemmvec_cli_questions.txt", ": family\nman king woman queen\n");
  const std::string pairs = temp_file("gemmvec_cli_pairs.txt", "king queen 8\nman woman 7\nking apple 1\n");
  r = gemmvec("eval '" + vectors + "' --analogy '" + questions + "' --similarity '" + pairs + "' --top-n 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("total 100.00%"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spearman"), std::string::npos) << r.out;
  r = gemmvec("eval '" + vectors + "' --analogy '" + questions + "' --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"semantic\": 100.0"), std::string::npos) << r.out;
  r = gemmvec("eval '" + vectors + "'");
  EXPECT_EQ(r.exit_code, 2);
}

// Asked for the GPU on a machine without one: one line, exit 2, before the corpus is read (no
// token cache is written).
TEST(Cli, CudaWithoutAGpuIsRefusedBeforeTheData) {
  const std::string cache = ::testing::TempDir() + "cli_cuda_cache." + std::to_string(::getpid());
  const std::string corpus = temp_file("cli_cuda_corpus.txt", "a b c a b c a b\n");
  const Result r = gemmvec("-train '" + corpus + "' -output '" + ::testing::TempDir() + "cli_cuda.bin' -min-count 1 --set train.backend=cuda --set data.cache_dir='" + cache + "' --quiet");
  if (r.exit_code == 0) GTEST_SKIP() << "a usable GPU is present";
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("gemmvec: train.backend is cuda but ", 0), 0u) << r.err;
  EXPECT_NE(access(cache.c_str(), F_OK), 0) << "the corpus was read into " << cache;
}

// A learning rate far too high makes the loss NaN: the run stops with exit 4 and one line naming
// the knob, and writes no vectors, no summary and no config copy.
TEST(Cli, DivergedRunWritesNoVectors) {
  const std::string dir = ::testing::TempDir() + "cli_diverged." + std::to_string(::getpid()) + "/";
  ::mkdir(dir.c_str(), 0755);
  test::write_file(dir + "c.txt", test::corpus_head(std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz", 3000));
  const Result r = gemmvec("-train '" + dir + "c.txt' -output '" + dir + "v.bin' -min-count 2 -iter 1 -threads 1 -alpha 5 --quiet --set data.cache_dir='" + dir + "cache' --set train.backend=cpu");
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("gemmvec: training diverged in epoch 1 after "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(lower model.alpha, now 5)"), std::string::npos) << r.err;
  for (const char* out : {"v.bin", "v.bin.json", "v.bin.yaml"})
    EXPECT_NE(access((dir + out).c_str(), F_OK), 0) << out << " was written";
}

// OUT.yaml is the config as the run used it (the backend that ran, the alpha, threads, group
// size, K, batch and cap a default stood for): training again from it repeats the run.
TEST(Cli, SavedConfigIsTheOneUsedAndRepeatsTheRun) {
  const std::string dir = ::testing::TempDir() + "cli_resolved." + std::to_string(::getpid()) + "/";
  ::mkdir(dir.c_str(), 0755);
  test::write_file(dir + "c.txt", test::corpus_head(std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz", 400));
  Result r = gemmvec("-train '" + dir + "c.txt' -output '" + dir + "a.bin' -min-count 2 -iter 1 --quiet --set train.deterministic=true --set data.cache_dir='" + dir + "cache'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const Config used = load_config(dir + "a.bin.yaml");
  EXPECT_NE(used.train.backend, "auto");
  EXPECT_EQ(used.model.alpha, used.model.type == ModelType::kCbow ? 0.05 : 0.025);  // was 0: "by model"
  EXPECT_EQ(used.train.threads, 1u);
  EXPECT_GT(used.train.group_size, 0u);
  EXPECT_GT(used.train.group_negatives, 0u);
  EXPECT_GE(used.train.max_row_updates, 0.0);
  r = gemmvec("train '" + dir + "a.bin.yaml' --set output.path='" + dir + "b.bin' --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(test::same_bytes(test::read_file(dir + "b.bin"), test::read_file(dir + "a.bin")));
}

}  // namespace
}  // namespace gemmvec
