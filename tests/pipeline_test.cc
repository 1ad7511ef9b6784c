// gemmvec tests: the GEMM pipeline's host build (cuda-host): one batch step against the float64
// reference, for skip-gram and CBOW, groups of one position, about a window and the whole
// batch, atomic and deterministic scatter; its subsampling and pair expansion against an
// independent expansion on real text; batch cutting; an epoch through the driver.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <unordered_map>

#include "math/sampling.h"
#include "pipeline_backend.h"
#include "run/run_control.h"
#include "data/vocab.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "test_files.h"

namespace gemmvec {
namespace {

using pipeline::StepStats;
using pipeline::StepTrace;

std::unique_ptr<pipeline::Pipeline> host_pipeline(const TrainPlan& plan, Embeddings e) {
  return pipeline::make_host_pipeline(plan, std::move(e));
}

// A build without Thrust has no cuda-host pipeline: its tests are skipped, not failed.
#define SKIP_WITHOUT_HOST_PIPELINE(p) \
  if (!(p)) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline"


// Checks the trace of a step against the reference's kept words, pairs and negatives.
void expect_same_draws(const StepTrace& t, const test::RefExpansion& x, uint32_t K) {
  ASSERT_EQ(t.kept, x.kept);
  const test::FlatPairs flat = test::flat_pairs(x);
  ASSERT_EQ(t.pair_center, flat.center);
  ASSERT_EQ(t.pair_context, flat.context);
  ASSERT_EQ(t.groups.size(), x.negatives.size());
  for (size_t g = 0; g < t.groups.size(); ++g) {
    const auto it = x.negatives.find(t.groups[g]);
    ASSERT_NE(it, x.negatives.end()) << "group " << t.groups[g];
    const std::vector<uint32_t> got(t.negatives.begin() + g * K, t.negatives.begin() + (g + 1) * K);
    ASSERT_EQ(got, it->second) << "group " << t.groups[g];
  }
}

struct StepCase {
  ModelType type;
  uint32_t group_size;
  bool deterministic;
  float cap = 0;  // plan.row_update_cap
  OutputLoss loss = OutputLoss::kNeg;
  bool bias = false;  // plan.output_bias
};

std::string case_name(const ::testing::TestParamInfo<StepCase>& info) {
  const StepCase& c = info.param;
  return std::string(c.type == ModelType::kSkipGram ? "SkipGram" : "Cbow") + "Group" +
         std::to_string(c.group_size) + (c.deterministic ? "Sorted" : "Atomic") +
         (c.cap > 0 ? "Cap" + std::to_string(static_cast<int>(c.cap)) : "") +
         (c.loss == OutputLoss::kNce ? "Nce" : c.loss == OutputLoss::kSoftmax ? "Softmax" : "") + (c.bias ? "Bias" : "");
}

class PipelineReference : public ::testing::TestWithParam<StepCase> {};

TEST_P(PipelineReference, OneStepMatchesFloat64) {
  const StepCase c = GetParam();
  test::PlanOptions o;
  o.type = c.type;
  o.group_size = c.group_size;
  o.deterministic = c.deterministic;
  o.row_update_cap = c.cap;
  o.loss = c.loss;
  o.output_bias = c.bias;
  const auto counts = test::zipf_counts(o.vocab);
  const TrainPlan plan = test_plan(o, counts);
  const std::vector<uint32_t> tokens = test::synthetic_tokens(counts, 2500, 24, 7);
  const Embeddings before = test::random_embeddings(o.vocab, o.dim, 11, c.bias);
  const uint64_t base = 1'000'003;  // not aligned to any group size
  const uint32_t epoch = 3;
  const float lr = 0.05f;

  auto p = host_pipeline(plan, before);
  SKIP_WITHOUT_HOST_PIPELINE(p);
  StepTrace trace;
  const StepStats st = p->step(tokens.data(), tokens.size(), base, epoch, lr, &trace);
  ASSERT_FALSE(st.overflow);
  Embeddings after;
  p->download(after);

  const test::RefExpansion x = test::reference_expansion(plan, tokens.data(), tokens.size(), base, epoch);
  expect_same_draws(trace, x, plan.group_negatives);
  const test::RefModel ref = test::reference_batch_step(plan, before, x, lr);
  EXPECT_EQ(st.pairs, ref.pairs);
  EXPECT_GT(st.pairs, 100u);
  EXPECT_NEAR(st.loss, ref.loss, 1e-5 * ref.loss);
  double worst_in = 0, worst_out = 0;
  // Capped updates are small against the row they land in, so the atomic scatter's rounding of
  // each addition into the row is what remains; a finished sum (sorted) is added once.
  const bool per_add = c.cap > 0 && !c.deterministic;
  EXPECT_TRUE(test::matrices_match("W_in", after.in, ref.in, ref.in_mag, o.dim, 1e-5, &worst_in,
                                   per_add ? &ref.in_adds : nullptr));
  EXPECT_TRUE(test::matrices_match("W_out", after.out, ref.out, ref.out_mag, o.dim, 1e-5, &worst_out,
                                   per_add ? &ref.out_adds : nullptr));
  ASSERT_EQ(after.out_bias.size(), ref.bias.size());
  if (c.bias) {
    EXPECT_TRUE(test::matrices_match("b_out", after.out_bias, ref.bias, ref.bias_mag, 1, 1e-5, nullptr,
                                     per_add ? &ref.out_adds : nullptr));
  }
  std::printf("  %llu pairs, R = %u, %llu slots; worst relative error W_in %.2e, W_out %.2e\n",
              static_cast<unsigned long long>(st.pairs), st.slot_rows,
              static_cast<unsigned long long>(st.slots), worst_in, worst_out);
}

INSTANTIATE_TEST_SUITE_P(
    Pipeline, PipelineReference,
    ::testing::Values(StepCase{ModelType::kSkipGram, 1, false}, StepCase{ModelType::kSkipGram, 8, false},
                      StepCase{ModelType::kSkipGram, 1u << 20, false}, StepCase{ModelType::kCbow, 1, false},
                      StepCase{ModelType::kCbow, 8, false}, StepCase{ModelType::kCbow, 1u << 20, false},
                      StepCase{ModelType::kSkipGram, 8, true}, StepCase{ModelType::kCbow, 8, true},
                      StepCase{ModelType::kSkipGram, 1u << 20, true},
                      // The cap binds on frequent rows of the synthetic Zipf text at 2.
                      StepCase{ModelType::kSkipGram, 8, false, 2}, StepCase{ModelType::kCbow, 8, false, 2},
                      StepCase{ModelType::kSkipGram, 8, true, 2},
                      // The other output layers: only the row coefficients and the bias gradients change.
                      StepCase{ModelType::kSkipGram, 8, false, 0, OutputLoss::kNce},
                      StepCase{ModelType::kSkipGram, 8, true, 0, OutputLoss::kNce, true},
                      StepCase{ModelType::kCbow, 8, false, 0, OutputLoss::kNce, true},
                      StepCase{ModelType::kSkipGram, 8, false, 0, OutputLoss::kSoftmax},
                      StepCase{ModelType::kSkipGram, 8, false, 0, OutputLoss::kSoftmax, true},
                      StepCase{ModelType::kCbow, 1u << 20, true, 0, OutputLoss::kSoftmax, true},
                      StepCase{ModelType::kSkipGram, 8, false, 2, OutputLoss::kSoftmax, true},
                      StepCase{ModelType::kSkipGram, 8, true, 2, OutputLoss::kNce, true}),
    case_name);

TEST(PipelineStep, DeterministicRunsAreBitIdentical) {
  test::PlanOptions o;
  o.group_size = 3;
  o.deterministic = true;
  const auto counts = test::zipf_counts(o.vocab);
  const TrainPlan plan = test_plan(o, counts);
  const auto tokens = test::synthetic_tokens(counts, 3000, 30, 5);
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 3);
  Embeddings a, b;
  for (Embeddings* out : {&a, &b}) {
    auto p = host_pipeline(plan, e);
    SKIP_WITHOUT_HOST_PIPELINE(p);
    p->step(tokens.data(), tokens.size(), 0, 0, 0.05f);
    p->step(tokens.data(), tokens.size(), tokens.size(), 1, 0.04f);
    p->download(*out);
  }
  // The steps trained (equal but unchanged matrices would pass the comparison vacuously).
  EXPECT_NE(a.in, e.in);
  EXPECT_NE(a.out, e.out);
  EXPECT_EQ(a.in, b.in);
  EXPECT_EQ(a.out, b.out);
}

// A step leaves nothing behind on the device but the matrices: the cap's per-row counts go
// back to zero (only for the rows the step counted), so a second step on the same pipeline
// equals that step on a fresh one started from the first's matrices, bit for bit. (The same
// tokens at another position and epoch, so that both pipelines size their scratch alike: the
// GEMM step's slot size R depends on the capacity, and with it the order of its sums.)
TEST(PipelineStep, LeavesNothingButTheMatrices) {
  for (const ModelType type : {ModelType::kSkipGram, ModelType::kCbow})
    for (const int step : {0, 1, 2}) {  // GEMM atomic, GEMM sorted, fused
      test::PlanOptions o;
      o.type = type;
      o.group_size = 8;
      o.row_update_cap = 2;  // binds on the frequent rows of the Zipf text
      o.deterministic = step == 1;
      const auto counts = test::zipf_counts(o.vocab);
      TrainPlan plan = test_plan(o, counts);
      plan.fused = step == 2;
      const auto tokens = test::synthetic_tokens(counts, 2500, 24, 5);
      const size_t n = tokens.size();
      const Embeddings e = test::random_embeddings(o.vocab, o.dim, 3);
      auto p = host_pipeline(plan, e);
      SKIP_WITHOUT_HOST_PIPELINE(p);
      p->step(tokens.data(), n, 0, 0, 0.05f);
      Embeddings between, continued, fresh;
      p->download(between);
      p->step(tokens.data(), n, n, 1, 0.04f);
      p->download(continued);
      auto q = host_pipeline(plan, between);
      q->step(tokens.data(), n, n, 1, 0.04f);
      q->download(fresh);
      EXPECT_NE(continued.in, between.in);
      EXPECT_TRUE(continued.in == fresh.in && continued.out == fresh.out)
          << (type == ModelType::kCbow ? "cbow" : "skip-gram") << ", step " << step;
    }
}

TEST(PipelineStep, EmptyAndWordlessBatches) {
  test::PlanOptions o;
  const auto counts = test::zipf_counts(o.vocab);
  const TrainPlan plan = test_plan(o, counts);
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 3);
  auto p = host_pipeline(plan, e);
  SKIP_WITHOUT_HOST_PIPELINE(p);
  const std::vector<uint32_t> breaks(10, kSentenceBreak);
  StepStats st = p->step(breaks.data(), breaks.size(), 0, 0, 0.05f);
  EXPECT_EQ(st.words, 0u);
  EXPECT_EQ(st.pairs, 0u);
  const std::vector<uint32_t> singles = {5, kSentenceBreak, 9, kSentenceBreak, 200, kSentenceBreak};
  st = p->step(singles.data(), singles.size(), 0, 0, 0.05f);  // one-word sentences: no pairs
  EXPECT_EQ(st.words, 3u);
  EXPECT_EQ(st.pairs, 0u);
  Embeddings after;
  p->download(after);
  EXPECT_EQ(after.in, e.in);
  EXPECT_EQ(after.out, e.out);
}

// ---- batch cutting and the epoch driver ------------------------------------------------------

TEST(PipelineBatches, CutsAtSentenceBreaks) {
  const auto counts = test::zipf_counts(50);
  const auto t = test::synthetic_tokens(counts, 5000, 40, 1);
  const auto ends = pipeline::cut_batches(t.data(), t.size(), 300);
  ASSERT_FALSE(ends.empty());
  EXPECT_EQ(ends.back(), t.size());
  size_t begin = 0;
  for (size_t e : ends) {
    EXPECT_EQ(t[e - 1], kSentenceBreak);
    if (e != t.size()) EXPECT_GE(e - begin, 300u);
    EXPECT_LT(e - begin, 300u + 41u);
    begin = e;
  }
  const size_t mid = pipeline::split_point(t.data(), 0, ends[0]);
  EXPECT_GT(mid, 0u);
  EXPECT_LT(mid, ends[0]);
  EXPECT_EQ(t[mid - 1], kSentenceBreak);
  const std::vector<uint32_t> one = {1, 2, 3, kSentenceBreak};
  EXPECT_EQ(pipeline::split_point(one.data(), 0, one.size()), one.size());
}

TEST(PipelineEpoch, DriverEqualsStepsOverItsBatches) {
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(200, 20000, 4), "epoch");
  test::PlanOptions o;
  o.vocab = c.vocab.size();
  o.batch_words = 700;
  o.group_size = 5;
  TrainPlan plan = test_plan(o, c.vocab.counts());
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 9);

  const RunControlOptions po = test::epochs_over(c.cache, 2);
  RunControl progress(po, {});
  auto p = host_pipeline(plan, e);
  SKIP_WITHOUT_HOST_PIPELINE(p);
  for (uint32_t epoch = 0; epoch < 2; ++epoch) {
    progress.start_epoch(epoch);
    TrainCursor cursor{epoch, {}};
    EXPECT_TRUE(p->train_epoch(c.cache, cursor, progress));
  }
  EXPECT_EQ(progress.words_done(), 2 * c.cache.words());
  EXPECT_GT(progress.mean_loss(), 0.0);
  Embeddings driven;
  p->download(driven);

  // The same batches by hand, with the learning rate the driver read before each.
  auto q = host_pipeline(plan, e);
  const auto ends = pipeline::cut_batches(c.cache.data(), c.cache.size(), o.batch_words);
  uint64_t done = 0;
  for (uint32_t epoch = 0; epoch < 2; ++epoch) {
    size_t begin = 0;
    for (size_t end : ends) {
      const float lr = learning_rate(po.alpha, po.min_alpha_ratio, done, 2 * c.cache.words());
      done += q->step(c.cache.data() + begin, end - begin, begin, epoch, lr).words;
      begin = end;
    }
  }
  Embeddings stepped;
  q->download(stepped);
  EXPECT_EQ(driven.in, stepped.in);
  EXPECT_EQ(driven.out, stepped.out);
}

TEST(PipelineEpoch, BackendFactoryTrainsAndLowersLoss) {
  // A vocabulary large enough that a batch does not sum hundreds of stale updates into one row
  // (with 100 words and 2000-word batches, the summed steps diverge, exactly as the math says).
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(3000, 40000, 5), "factory");
  test::PlanOptions o;
  o.vocab = c.vocab.size();
  o.batch_words = 1000;
  o.group_size = 16;
  const TrainPlan plan = test_plan(o, c.vocab.counts());
  auto backend = make_cuda_host_backend(plan, init_embeddings(o.vocab, o.dim, 1));
  SKIP_WITHOUT_HOST_PIPELINE(backend);
  EXPECT_EQ(backend->name(), "cuda-host");
  const RunControlOptions po = test::epochs_over(c.cache, 3);
  std::vector<double> losses;
  RunControl progress(po, {});
  for (uint32_t epoch = 0; epoch < 3; ++epoch) {
    progress.start_epoch(epoch);
    TrainCursor cursor{epoch, {}};
    EXPECT_TRUE(backend->train_epoch(c.cache, cursor, progress));
    losses.push_back(progress.mean_loss());
  }
  EXPECT_LT(losses.back(), losses.front());
  Embeddings m;
  backend->download(m);
  EXPECT_EQ(m.rows, o.vocab);
  for (float v : m.in) ASSERT_TRUE(std::isfinite(v));
}

// ---- subsampling and pair expansion on real text ---------------------------------------------

TEST(PipelineExpansion, MatchesIndependentExpansionOnRealText) {
  const std::string path = std::string(GEMMVEC_SOURCE_DIR) + "/data/corpus/enwikinews.txt.xz";
  std::string text = test::corpus_head(path, 20000);
  if (text.empty()) GTEST_SKIP() << "cannot read " << path;
  // Vocab at min_count 5 and the token stream with breaks, out-of-vocabulary words dropped.
  std::unordered_map<std::string, uint64_t> counts;
  {
    std::istringstream in(text);
    std::string w;
    while (in >> w) ++counts[w];
  }
  const Vocab vocab = Vocab::from_counts(counts, 5, 0);
  std::vector<uint32_t> tokens;
  {
    std::istringstream in(text);
    std::string line, w;
    while (std::getline(in, line)) {
      std::istringstream words(line);
      size_t n = 0;
      while (words >> w) {
        const uint32_t id = vocab.find(w);
        if (id == Vocab::kMissing) continue;
        tokens.push_back(id);
        if (++n == 1000) {  // max_sentence_length
          tokens.push_back(kSentenceBreak);
          n = 0;
        }
      }
      if (n) tokens.push_back(kSentenceBreak);
    }
  }
  ASSERT_GT(tokens.size(), 100000u);
  for (ModelType type : {ModelType::kSkipGram, ModelType::kCbow}) {
    test::PlanOptions o;
    o.type = type;
    o.vocab = vocab.size();
    o.dim = 4;
    o.window = 5;
    o.sample = 1e-3;
    o.group_size = 16;
    o.group_negatives = 5;
    const TrainPlan plan = test_plan(o, vocab.counts());
    auto p = host_pipeline(plan, test::random_embeddings(o.vocab, o.dim, 1));
    SKIP_WITHOUT_HOST_PIPELINE(p);
    const uint64_t base = 777;
    StepTrace trace;
    const StepStats st = p->step(tokens.data(), tokens.size(), base, 2, 0.025f, &trace);
    ASSERT_FALSE(st.overflow);
    const test::RefExpansion x = test::reference_expansion(plan, tokens.data(), tokens.size(), base, 2);
    expect_same_draws(trace, x, plan.group_negatives);
    EXPECT_LT(x.kept.size(), tokens.size() * 9 / 10) << "subsampling should drop frequent words";
    std::printf("  %s: %zu tokens, %zu kept, %llu pairs, R = %u\n",
                type == ModelType::kSkipGram ? "skip-gram" : "cbow", tokens.size(), x.kept.size(),
                static_cast<unsigned long long>(st.pairs), st.slot_rows);
  }
}

}  // namespace
}  // namespace gemmvec
