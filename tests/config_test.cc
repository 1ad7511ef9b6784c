// gemmvec tests: the YAML config: defaults, every section, errors, overrides, template, round trips.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "gemmvec/config.h"

namespace gemmvec {
namespace {

// The message of the UsageError that `f` throws ("" if it throws none).
template <class F>
std::string usage_error(F&& f) {
  try {
    f();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

std::string parse_error(const std::string& yaml) {
  return usage_error([&] { parse_config(yaml, "test.yaml"); });
}

std::string override_error(const std::string& assignment) {
  Config c;
  return usage_error([&] {
    apply_override(c, assignment);
    validate(c);
  });
}

TEST(Config, DefaultsMatchTheHeaderAndValidate) {
  const Config c;
  EXPECT_EQ(c.model.type, ModelType::kSkipGram);
  EXPECT_EQ(c.model.dim, 100u);
  EXPECT_EQ(c.model.window, 5u);
  EXPECT_EQ(c.model.negative, 5u);
  EXPECT_DOUBLE_EQ(c.model.sample, 1e-4);
  EXPECT_DOUBLE_EQ(c.alpha(), 0.025);
  EXPECT_EQ(c.train.epochs, 5u);
  EXPECT_EQ(c.train.backend, "auto");
  EXPECT_EQ(c.output.format, "bin");
  EXPECT_EQ(c.eval.analogy_top_n, 30000u);
  EXPECT_NO_THROW(validate(c));
  EXPECT_EQ(to_yaml(parse_config("", "empty.yaml")), to_yaml(c));
}

TEST(Config, ParsesEverySection) {
  const Config c = parse_config(R"(
data:
  corpus: [a.txt, b.txt.xz]
  cache_dir: /tmp/cache
  max_sentence_length: 500
  max_token_bytes: 64
  max_count_table: 1000
vocab:
  min_count: 3
  max_size: 1e6
  read: in.vocab
  save: out.vocab
model:
  type: cbow
  dim: 300
  window: 8
  negative: 15
  ns_exponent: 0.5
  sample: 1e-5
  alpha: 0.04
  min_alpha_ratio: 0.001
train:
  epochs: 3
  threads: 4
  backend: cpu
  seed: 42
  group_size: 16
  group_negatives: 64
  batch_words: 100000
  deterministic: true
  tf32: yes
  progress_seconds: 0.5
output:
  path: runs/v.bin
  format: both
  vocab: runs/v.vocab
  metrics: runs/metrics.jsonl
  save_config: false
eval:
  analogy: data/eval/questions-words.txt
  similarity: [data/eval/wordsim353.tsv, x.txt]
  analogy_top_n: 0
  neighbours: [king, queen]
)", "every.yaml");
  EXPECT_EQ(c.data.corpus, (std::vector<std::string>{"a.txt", "b.txt.xz"}));
  EXPECT_EQ(c.data.cache_dir, "/tmp/cache");
  EXPECT_EQ(c.data.max_sentence_length, 500u);
  EXPECT_EQ(c.data.max_token_bytes, 64u);
  EXPECT_EQ(c.data.max_count_table, 1000u);
  EXPECT_EQ(Config{}.data.max_count_table, 21'000'000u);  // word2vec.c prunes at 0.7 * 30M
  EXPECT_EQ(c.vocab.min_count, 3u);
  EXPECT_EQ(c.vocab.max_size, 1000000u);
  EXPECT_EQ(c.vocab.read, "in.vocab");
  EXPECT_EQ(c.vocab.save, "out.vocab");
  EXPECT_EQ(c.model.type, ModelType::kCbow);
  EXPECT_EQ(c.model.dim, 300u);
  EXPECT_EQ(c.model.window, 8u);
  EXPECT_EQ(c.model.negative, 15u);
  EXPECT_DOUBLE_EQ(c.model.ns_exponent, 0.5);
  EXPECT_DOUBLE_EQ(c.model.sample, 1e-5);
  EXPECT_DOUBLE_EQ(c.model.alpha, 0.04);
  EXPECT_DOUBLE_EQ(c.model.min_alpha_ratio, 0.001);
  EXPECT_EQ(c.train.epochs, 3u);
  EXPECT_EQ(c.train.threads, 4u);
  EXPECT_EQ(c.train.backend, "cpu");
  EXPECT_EQ(c.train.seed, 42u);
  EXPECT_EQ(c.train.group_size, 16u);
  EXPECT_EQ(c.train.group_negatives, 64u);
  EXPECT_EQ(c.train.batch_words, 100000u);
  EXPECT_TRUE(c.train.deterministic);
  EXPECT_TRUE(c.train.tf32);
  EXPECT_DOUBLE_EQ(c.train.progress_seconds, 0.5);
  EXPECT_EQ(c.output.path, "runs/v.bin");
  EXPECT_EQ(c.output.format, "both");
  EXPECT_EQ(c.output.vocab, "runs/v.vocab");
  EXPECT_EQ(c.output.metrics, "runs/metrics.jsonl");
  EXPECT_FALSE(c.output.save_config);
  EXPECT_EQ(c.eval.analogy, (std::vector<std::string>{"data/eval/questions-words.txt"}));  // a scalar is a list of one
  EXPECT_EQ(c.eval.similarity, (std::vector<std::string>{"data/eval/wordsim353.tsv", "x.txt"}));
  EXPECT_EQ(c.eval.analogy_top_n, 0u);
  EXPECT_EQ(c.eval.neighbours, (std::vector<std::string>{"king", "queen"}));
  EXPECT_NO_THROW(validate(c));
}

TEST(Config, EmptySectionsAndValuesKeepDefaults) {
  const Config c = parse_config("model:\nvocab:\n  save:\neval:\n  analogy:\n", "t.yaml");
  EXPECT_EQ(to_yaml(c), to_yaml(Config{}));
}

TEST(Config, UnknownKeyNamesTheClosest) {
  EXPECT_EQ(parse_error("model:\n  dimm: 3\n"), "test.yaml:2: unknown key 'model.dimm' (did you mean 'model.dim'?)");
  EXPECT_NE(parse_error("modle:\n  dim: 3\n").find("unknown key 'modle.dim' (did you mean 'model.dim'?)"), std::string::npos);
  // The right key in the wrong section points to its section.
  EXPECT_NE(parse_error("model:\n  min_count: 3\n").find("did you mean 'vocab.min_count'?"), std::string::npos);
  // A key outside any section.
  EXPECT_NE(parse_error("dim: 3\n").find("did you mean 'model.dim'?"), std::string::npos);
  EXPECT_NE(parse_error("trian: 3\n").find("did you mean 'train'?"), std::string::npos);
  EXPECT_NE(parse_error("train:\n  epoch: 3\n").find("'train.epochs'"), std::string::npos);
}

TEST(Config, WrongTypeNamesFileKeyValueAndType) {
  const std::string e = parse_error("model:\n  type: cbow\n  dim: abc\n");
  EXPECT_NE(e.find("test.yaml:3"), std::string::npos) << e;
  EXPECT_NE(e.find("model.dim"), std::string::npos) << e;
  EXPECT_NE(e.find("'abc'"), std::string::npos) << e;
  EXPECT_NE(e.find("integer"), std::string::npos) << e;

  EXPECT_NE(parse_error("model:\n  dim: -3\n").find("model.dim: expected a non-negative integer, got '-3'"), std::string::npos);
  EXPECT_NE(parse_error("vocab:\n  min_count: 2.5\n").find("vocab.min_count"), std::string::npos);
  EXPECT_NE(parse_error("model:\n  sample: lots\n").find("model.sample: expected a number, got 'lots'"), std::string::npos);
  EXPECT_NE(parse_error("model:\n  sample: .nan\n").find("expected a number"), std::string::npos);
  EXPECT_NE(parse_error("train:\n  tf32: maybe\n").find("train.tf32: expected a boolean"), std::string::npos);
  EXPECT_NE(parse_error("data:\n  corpus: {a: b}\n").find("data.corpus: expected a list of strings"), std::string::npos);
  EXPECT_NE(parse_error("output:\n  path: [a, b]\n").find("output.path: expected a string"), std::string::npos);
  EXPECT_NE(parse_error("model: 3\n").find("section 'model'"), std::string::npos);
  EXPECT_NE(parse_error("- a\n- b\n").find("expected sections"), std::string::npos);
  EXPECT_NE(parse_error("model:\n  dim: [1\n").find("not valid YAML"), std::string::npos);
}

TEST(Config, RangeErrorsNameKeyAndRange) {
  EXPECT_NE(parse_error("model:\n  dim: 0\n").find("model.dim = 0 is out of range: expected 1..10000"), std::string::npos);
  EXPECT_NE(parse_error("model:\n  dim: 10001\n").find("1..10000"), std::string::npos);
  EXPECT_NE(parse_error("model:\n  dim: 99999999999\n").find("model.dim"), std::string::npos);
  EXPECT_NE(override_error("model.window=0").find("model.window = 0 is out of range: expected 1..1000"), std::string::npos);
  EXPECT_NE(override_error("model.negative=1001").find("model.negative"), std::string::npos);
  EXPECT_NE(override_error("train.epochs=0").find("train.epochs = 0 is out of range: expected >= 1"), std::string::npos);
  EXPECT_NE(override_error("model.sample=-1").find("model.sample"), std::string::npos);
  EXPECT_NE(override_error("model.ns_exponent=2.5").find("expected 0..2"), std::string::npos);
  EXPECT_NE(override_error("model.alpha=-0.1").find("model.alpha"), std::string::npos);
  EXPECT_NE(override_error("data.max_sentence_length=0").find("data.max_sentence_length"), std::string::npos);
  EXPECT_NE(override_error("train.group_negatives=5000").find("0..4096"), std::string::npos);
  EXPECT_NE(override_error("train.backend=gpu").find("train.backend = 'gpu' is not valid: expected one of auto, cpu, cuda, cuda-host"),
            std::string::npos);
  EXPECT_NE(override_error("output.format=pdf").find("one of bin, txt, both"), std::string::npos);
  EXPECT_NE(override_error("model.type=cbw").find("did you mean 'cbow'?"), std::string::npos);
  EXPECT_NE(override_error("output.path=").find("output.path must not be empty"), std::string::npos);
  EXPECT_EQ(override_error("model.ns_exponent=0"), "");
  EXPECT_EQ(override_error("model.ns_exponent=2"), "");
  EXPECT_EQ(override_error("model.sample=0"), "");

  // validate() checks a config built in code, and keys against each other.
  Config c;
  c.model.dim = 0;
  EXPECT_NE(usage_error([&] { validate(c); }).find("model.dim"), std::string::npos);
  c = Config{};
  c.train.backend = "tpu";
  EXPECT_NE(usage_error([&] { validate(c); }).find("train.backend"), std::string::npos);
  c = Config{};
  c.data.corpus = {"a.txt"};
  c.data.tokens = "prefix";
  EXPECT_NE(usage_error([&] { validate(c); }).find("both set"), std::string::npos);
}

TEST(Config, OverridesUseTheSameKeys) {
  Config c;
  apply_override(c, "model.dim=300");
  apply_override(c, "model.type = cbow");
  apply_override(c, "data.corpus=[a.txt, b.txt]");
  apply_override(c, "eval.analogy=q.txt");
  apply_override(c, "output.path=runs/x y:z.bin");  // taken as it is, colon and space included
  apply_override(c, "output.vocab=");
  apply_override(c, "train.deterministic=true");
  apply_override(c, "model.sample=1e-3");
  EXPECT_EQ(c.model.dim, 300u);
  EXPECT_EQ(c.model.type, ModelType::kCbow);
  EXPECT_EQ(c.data.corpus, (std::vector<std::string>{"a.txt", "b.txt"}));
  EXPECT_EQ(c.eval.analogy, (std::vector<std::string>{"q.txt"}));
  EXPECT_EQ(c.output.path, "runs/x y:z.bin");
  EXPECT_EQ(c.output.vocab, "");
  EXPECT_TRUE(c.train.deterministic);
  EXPECT_DOUBLE_EQ(c.model.sample, 1e-3);
  EXPECT_DOUBLE_EQ(c.alpha(), 0.05);

  EXPECT_EQ(override_error("model.dimm=3"), "--set: unknown key 'model.dimm' (did you mean 'model.dim'?)");
  EXPECT_NE(override_error("model.dim").find("section.key=value"), std::string::npos);
  EXPECT_NE(override_error("model.dim=abc").find("model.dim: expected a non-negative integer, got 'abc'"), std::string::npos);
  EXPECT_NE(override_error("data.corpus=[a, b").find("not valid YAML"), std::string::npos);

  // set_value names its source: a word2vec-style flag.
  Config d;
  EXPECT_NE(usage_error([&] { set_value(d, "model.dim", "big", "-size"); }).find("-size: model.dim"), std::string::npos);
}

TEST(Config, TemplateHasEveryKeyAndParsesToTheDefaults) {
  const std::string t = config_template();
  const Config parsed = parse_config(t, "template");
  EXPECT_EQ(to_yaml(parsed), to_yaml(Config{}));
  // Every line of to_yaml (every key with its default) appears in the template, commented.
  std::istringstream lines(to_yaml(Config{}));
  std::string line;
  int keys = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("  ", 0) != 0) continue;
    ++keys;
    const size_t at = t.find(line);
    ASSERT_NE(at, std::string::npos) << line;
    const size_t end = t.find('\n', at);
    EXPECT_NE(t.substr(at, end - at).find("# "), std::string::npos) << "no comment on: " << line;
  }
  EXPECT_GE(keys, 36);
}

TEST(Config, ToYamlRoundTrips) {
  Config c;
  c.data.corpus = {"a b.txt", "x:y.txt", "null", "~", "true", "caf\xc3\xa9.txt", "-dash", "#hash", "q\"uote\\"};
  c.data.tokens = "";
  c.vocab.save = "10";
  c.model.type = ModelType::kCbow;
  c.model.dim = 7;
  c.model.sample = 1.0 / 3.0;
  c.model.alpha = 0.1;
  c.train.seed = 18446744073709551615ull;
  c.train.deterministic = true;
  c.output.path = "runs/out put.bin";
  c.eval.neighbours = {"king", "new_york"};
  const std::string y = to_yaml(c);
  const Config back = parse_config(y, "round-trip");
  EXPECT_EQ(to_yaml(back), y);
  EXPECT_EQ(back.data.corpus, c.data.corpus);
  EXPECT_EQ(back.vocab.save, "10");
  EXPECT_EQ(back.model.sample, c.model.sample);  // exactly: shortest round-trip decimal
  EXPECT_EQ(back.train.seed, c.train.seed);
  EXPECT_EQ(back.output.path, c.output.path);
}

TEST(Config, LoadConfigReadsAFileAndNamesItInErrors) {
  const std::string path = ::testing::TempDir() + "gemmvec_config_test.yaml";
  {
    std::ofstream out(path);
    out << "# a comment\nmodel:\n  dim: 42\n  windw: 3\n";
  }
  EXPECT_EQ(usage_error([&] { load_config(path); }), path + ":4: unknown key 'model.windw' (did you mean 'model.window'?)");
  {
    std::ofstream out(path);
    out << "model:\n  dim: 42\n";
  }
  EXPECT_EQ(load_config(path).model.dim, 42u);
  std::remove(path.c_str());
  EXPECT_THROW(load_config(path), InputError);
}

TEST(Config, BundledConfigsParseAndTheTemplateIsCurrent) {
  const std::string dir = std::string(GEMMVEC_SOURCE_DIR) + "/configs/";
  for (const char* name : {"quick.yaml", "default.yaml", "wiki17m-sg.yaml", "wiki17m-cbow.yaml", "1b-words.yaml", "template.yaml"}) {
    SCOPED_TRACE(name);
    Config c;
    ASSERT_NO_THROW(c = load_config(dir + name));
    EXPECT_NO_THROW(validate(c));
  }
  const Config cbow = load_config(dir + "wiki17m-cbow.yaml");
  EXPECT_EQ(cbow.model.type, ModelType::kCbow);
  EXPECT_EQ(cbow.train.threads, 2u);
  EXPECT_EQ(load_config(dir + "quick.yaml").train.epochs, 1u);
  std::ifstream in(dir + "template.yaml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), config_template()) << "regenerate it: gemmvec init > configs/template.yaml";
}

TEST(Config, ClosestMatch) {
  EXPECT_EQ(closest_match("trian", {"train", "prepare", "eval"}), "train");
  EXPECT_EQ(closest_match("-sizee", {"-size", "-sample", "-window"}), "-size");
  EXPECT_EQ(closest_match("x", {}), "");
}

}  // namespace
}  // namespace gemmvec
