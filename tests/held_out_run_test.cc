// gemmvec tests: eval.heldout in a run (the scores it writes and prints, a trained model above
// the untrained one), `gemmvec eval --checkpoint --log-likelihood`, and the refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "data/corpus_cache.h"
#include "data/token_format.h"
#include "gemmvec/checkpoint.h"
#include "gemmvec/trainer.h"
#include "run/held_out.h"
#include "run_gemmvec.h"
#include "test_files.h"
#include "tiny_run.h"

namespace gemmvec {
namespace {

const std::string kCorpus = std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz";

// The first 3000 sentences of the bundled corpus: 2700 to train on, the last 300 held out.
void split_corpus(const test::TempDir& dir) {
  const std::string head = test::corpus_head(kCorpus, 3000);
  size_t cut = 0;
  for (int line = 0; line < 2700; ++line) cut = head.find('\n', cut) + 1;
  test::write_file(dir.file("train.txt"), head.substr(0, cut));
  test::write_file(dir.file("heldout.txt"), head.substr(cut));
}

Config held_out_run(const test::TempDir& dir, ModelType type) {
  Config c;
  c.data.corpus = {dir.file("train.txt")};
  c.data.cache_dir = dir.file("cache");
  c.vocab.min_count = 3;
  c.model.type = type;
  c.model.dim = 32;
  c.train.epochs = 3;
  c.train.threads = 2;
  c.train.backend = "cpu";
  c.train.progress_seconds = 1e9;
  c.output.path = dir.file("vectors.bin");
  c.eval.heldout = {dir.file("heldout.txt")};
  c.eval.heldout_pairs = 20000;
  return c;
}

// A model that has learnt nothing (output layer 0) gives every word 1/|V|: log P = -log |V|,
// perplexity |V|. Trained with a normalised loss (sampled softmax, nce) and no subsampling, so
// that its scores estimate the full softmax over the words as the held-out text uses them, it
// must do far better on text it has not seen (measured when written: perplexity about 600 of
// |V| 4385, skip-gram and CBOW). Under nce the scores are self-normalised: log Z near 0
// (measured 0.006 and -0.14). (Negative sampling's scores are not meant as a softmax: with
// subsampling on this small run its perplexity was above |V|.)
TEST(HeldOutRun, WritesTheScoresAndBeatsTheUntrainedModel) {
  test::TempDir dir;
  split_corpus(dir);
  struct Case {
    ModelType type;
    const char* loss;
  };
  for (const Case& k : {Case{ModelType::kSkipGram, "softmax"}, Case{ModelType::kCbow, "softmax"},
                        Case{ModelType::kSkipGram, "nce"}, Case{ModelType::kCbow, "nce"},
                        Case{ModelType::kSkipGram, "hs"}, Case{ModelType::kCbow, "hs"}}) {
    Config c = held_out_run(dir, k.type);
    c.model.loss = k.loss;
    c.model.output_bias = std::string(k.loss) != "hs";  // hs has no word rows to bias
    c.model.sample = 0;
    ::testing::internal::CaptureStdout();
    train(c);
    const std::string printed = ::testing::internal::GetCapturedStdout();
    const auto report = nlohmann::json::parse(test::read_file(c.output.path + ".json"));
    ASSERT_TRUE(report["scores"].contains("log_likelihood")) << report.dump(2);
    const auto& ll = report["scores"]["log_likelihood"][0];
    const double vocab = report["vocab"].get<double>();
    SCOPED_TRACE(::testing::Message() << (k.type == ModelType::kCbow ? "cbow " : "skip-gram ") << k.loss);
    EXPECT_EQ(ll["file"], c.eval.heldout[0]);
    // The held-out text holds about 75000 skip-gram pairs (sampled) and 8300 CBOW ones (all).
    EXPECT_EQ(ll["pairs"].get<uint64_t>(), std::min<uint64_t>(c.eval.heldout_pairs, ll["pairs_in_text"]));
    EXPECT_GT(ll["pairs_in_text"].get<uint64_t>(), k.type == ModelType::kCbow ? 5000u : 50000u);
    EXPECT_GT(ll["log_likelihood"].get<double>(), -std::log(vocab) + 1.0);
    EXPECT_LT(ll["perplexity"].get<double>(), vocab / 3);
    EXPECT_NEAR(ll["perplexity"].get<double>(), std::exp(-ll["log_likelihood"].get<double>()),
                1e-9 * ll["perplexity"].get<double>());
    if (std::string(k.loss) == "nce") EXPECT_LT(std::fabs(ll["mean_log_z"].get<double>()), 1.0);
    if (std::string(k.loss) == "hs") EXPECT_EQ(ll["mean_log_z"].get<double>(), 0.0);  // a tree is normalised
    EXPECT_NE(printed.find("log-likelihood " + c.eval.heldout[0] + ": "), std::string::npos) << printed;
  }
}

TEST(HeldOutRun, AFileWithNoPairIsRefusedBeforeTraining) {
  test::TempDir dir;
  test::write_file(dir.file("corpus.txt"), test::sentences(50));
  test::write_file(dir.file("heldout.txt"), "zebra quokka\nthe\n");  // one known word per line
  Config c;
  c.data.corpus = {dir.file("corpus.txt")};
  c.data.cache_dir = dir.file("cache");
  c.vocab.min_count = 1;
  c.output.path = dir.file("out.bin");
  c.eval.heldout = {dir.file("heldout.txt")};
  try {
    train(c);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(dir.file("heldout.txt") + ": eval.heldout: no pair"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(test::fs::exists(c.output.path)) << "refused before training";
}

// hs's path probabilities are a distribution over the words for any input: they sum to 1.
TEST(HeldOutRun, HierarchicalSoftmaxPathProbabilitiesSumToOne) {
  const uint32_t V = 37, d = 6;
  std::vector<uint64_t> counts(V);
  for (uint32_t w = 0; w < V; ++w) counts[w] = 1 + (w * 7919) % 101;
  const HuffmanTree tree(counts);
  Embeddings m = init_embeddings(V, d, 3);
  m.out = init_embeddings(V, d, 4).in;
  for (float& x : m.out) x *= 40.0f;
  const std::unique_ptr<OutputScorer> scorer = output_scorer(OutputLoss::kHs, m, &tree);
  for (uint32_t trial = 0; trial < 3; ++trial) {
    // One input (a scaled input row), scored against every word.
    std::vector<float> same(size_t(V) * d);
    std::vector<uint32_t> words(V);
    for (uint32_t w = 0; w < V; ++w) {
      words[w] = w;
      for (uint32_t c = 0; c < d; ++c) same[size_t(w) * d + c] = m.in_row(trial)[c] * 30.0f;
    }
    std::vector<double> log_p(V), log_z(V);
    scorer->score(same.data(), V, words.data(), log_p.data(), log_z.data());
    double total = 0;
    for (uint32_t w = 0; w < V; ++w) {
      total += std::exp(log_p[w]);
      EXPECT_EQ(log_z[w], 0.0);
      EXPECT_LT(log_p[w], 0.0);
    }
    EXPECT_NEAR(total, 1.0, 1e-9) << "trial " << trial;
  }
}

// `gemmvec eval --checkpoint`: the vocabulary rebuilt from the checkpoint's config, the numbers
// those of the model scored in memory.
TEST(HeldOutRun, CheckpointEvalScoresTheModelOnDisk) {
  test::TempDir dir;
  split_corpus(dir);
  Config c = held_out_run(dir, ModelType::kSkipGram);
  c.eval.heldout_pairs = 3000;
  c.model.output_bias = true;
  const PreparedCorpus corpus = prepare_corpus(c);
  Checkpoint ckpt;
  ckpt.config_yaml = to_yaml(with_absolute_paths(c));
  ckpt.backend = "cpu";
  ckpt.stream_tokens = corpus.tokens.size();
  ckpt.stream_words = corpus.tokens.words();
  ckpt.vocab_hash = vocab_hash(corpus.vocab);
  ckpt.model = init_embeddings(corpus.vocab.size(), c.model.dim, 7);
  ckpt.model.out = init_embeddings(corpus.vocab.size(), c.model.dim, 8).in;
  for (std::vector<float>* v : {&ckpt.model.in, &ckpt.model.out})
    for (float& x : *v) x *= 50.0f;  // scores of a few units, so the numbers say something
  ckpt.model.out_bias.assign(corpus.vocab.size(), 0.25f);
  ckpt.model.out_bias[3] = 2.0f;
  save_checkpoint(dir.file("model.ckpt"), ckpt);

  const nlohmann::ordered_json want =
      score_held_out(read_held_out(c, corpus.vocab), OutputLoss::kNeg, ckpt.model.in.data(), ckpt.model, nullptr)[0];
  const test::RunResult r = test::run_gemmvec(
      dir.path().string(), {"eval", "--checkpoint", "model.ckpt", "--log-likelihood", "heldout.txt", "--pairs", "3000",
                            "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto got = nlohmann::json::parse(r.out);
  EXPECT_EQ(got["words"].get<uint32_t>(), corpus.vocab.size());
  const auto& ll = got["log_likelihood"][0];
  EXPECT_EQ(ll["pairs"].get<uint64_t>(), want["pairs"].get<uint64_t>());
  EXPECT_EQ(ll["pairs_in_text"].get<uint64_t>(), want["pairs_in_text"].get<uint64_t>());
  EXPECT_DOUBLE_EQ(ll["log_likelihood"].get<double>(), want["log_likelihood"].get<double>());
  EXPECT_DOUBLE_EQ(ll["mean_log_z"].get<double>(), want["mean_log_z"].get<double>());
  EXPECT_GT(std::fabs(want["mean_log_z"].get<double>() - std::log(corpus.vocab.size())), 0.01)
      << "the scores were not all equal";

  const test::RunResult text = test::run_gemmvec(
      dir.path().string(), {"eval", "--checkpoint", "model.ckpt", "--log-likelihood", "heldout.txt"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_NE(text.out.find("log-likelihood heldout.txt: "), std::string::npos) << text.out;
  const test::RunResult no_layer =
      test::run_gemmvec(dir.path().string(), {"eval", "vectors.bin", "--log-likelihood", "heldout.txt"});
  EXPECT_EQ(no_layer.code, 2);
  EXPECT_NE(no_layer.err.find("--log-likelihood needs the output layer"), std::string::npos) << no_layer.err;
}

}  // namespace
}  // namespace gemmvec
