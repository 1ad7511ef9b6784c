// gemmvec tests: the fused step (train.step: fused, cuda/fused_step.inl) in the host build: one
// batch against the float64 reference and against its twin, the GEMM step, to 1e-5 relative,
// and bit for bit against itself launched at capacity as on the GPU,
// for skip-gram and CBOW, groups of 1, 8 and the whole batch, with the cap, with a vocabulary
// so small that rows collide within every tile, with chunks smaller than a group, and for each
// output layer (skip-gram's neg and nce score each context once per group); an epoch
// through the driver, its recorded step replayed; the cases it refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "math/sampling.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "run/run_control.h"

namespace gemmvec {
namespace {

struct FusedCase {
  const char* name;
  ModelType type;
  uint32_t group_size;
  float cap = 0;
  uint32_t vocab = 300;
  uint32_t dim = 24;
  uint32_t K = 7;
  OutputLoss loss = OutputLoss::kNeg;
  bool bias = false;
};

std::string fused_case_name(const ::testing::TestParamInfo<FusedCase>& info) { return info.param.name; }

class FusedStep : public ::testing::TestWithParam<FusedCase> {};

TEST_P(FusedStep, MatchesFloat64AndTheGemmStep) {
  const FusedCase c = GetParam();
  test::PlanOptions o;
  o.type = c.type;
  o.group_size = c.group_size;
  o.row_update_cap = c.cap;
  o.vocab = c.vocab;
  o.dim = c.dim;
  o.group_negatives = c.K;
  o.loss = c.loss;
  o.output_bias = c.bias;
  const auto counts = test::zipf_counts(o.vocab);
  TrainPlan plan = test_plan(o, counts);
  const std::vector<uint32_t> tokens = test::synthetic_tokens(counts, 2500, 24, 7);
  const Embeddings before = test::random_embeddings(o.vocab, o.dim, 11, c.bias);
  const uint64_t base = 1'000'003;
  const uint32_t epoch = 3;
  const float lr = 0.05f;

  auto twin = pipeline::make_host_pipeline(plan, before);
  if (!twin) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline";
  pipeline::StepTrace twin_trace, fused_trace;
  const pipeline::StepStats twin_st = twin->step(tokens.data(), tokens.size(), base, epoch, lr, &twin_trace);
  Embeddings twin_after;
  twin->download(twin_after);

  plan.fused = true;
  auto fused = pipeline::make_host_pipeline(plan, before);
  const pipeline::StepStats st = fused->step(tokens.data(), tokens.size(), base, epoch, lr, &fused_trace);
  ASSERT_FALSE(st.overflow);
  Embeddings after;
  fused->download(after);

  // The same draws and pairs as the twin, in the same order.
  EXPECT_EQ(fused_trace.kept, twin_trace.kept);
  EXPECT_EQ(fused_trace.pair_center, twin_trace.pair_center);
  EXPECT_EQ(fused_trace.pair_context, twin_trace.pair_context);
  EXPECT_EQ(fused_trace.negatives, twin_trace.negatives);
  EXPECT_EQ(st.pairs, twin_st.pairs);
  EXPECT_EQ(st.groups, twin_st.groups);
  EXPECT_GT(st.pairs, 100u);

  const test::RefExpansion x = test::reference_expansion(plan, tokens.data(), tokens.size(), base, epoch);
  const test::RefModel ref = test::reference_batch_step(plan, before, x, lr);
  EXPECT_NEAR(st.loss, ref.loss, 1e-5 * ref.loss);
  EXPECT_NEAR(st.loss, twin_st.loss, 1e-5 * ref.loss);
  // Against float64: each row's sum is added once, as the sorted scatter does.
  double worst_in = 0, worst_out = 0;
  EXPECT_TRUE(test::matrices_match("W_in", after.in, ref.in, ref.in_mag, o.dim, 1e-5, &worst_in));
  EXPECT_TRUE(test::matrices_match("W_out", after.out, ref.out, ref.out_mag, o.dim, 1e-5, &worst_out));
  // Against the twin, whose atomic scatter rounds each addition into the row.
  const std::vector<double> twin_in(twin_after.in.begin(), twin_after.in.end());
  const std::vector<double> twin_out(twin_after.out.begin(), twin_after.out.end());
  const bool per_add = c.cap > 0;
  EXPECT_TRUE(test::matrices_match("W_in (twin)", after.in, twin_in, ref.in_mag, o.dim, 1e-5, nullptr,
                                   per_add ? &ref.in_adds : nullptr));
  EXPECT_TRUE(test::matrices_match("W_out (twin)", after.out, twin_out, ref.out_mag, o.dim, 1e-5, nullptr,
                                   per_add ? &ref.out_adds : nullptr));
  ASSERT_EQ(after.out_bias.size(), ref.bias.size());
  if (c.bias) EXPECT_TRUE(test::matrices_match("b_out", after.out_bias, ref.bias, ref.bias_mag, 1, 1e-5));
  // Launched as the GPU launches (the capacity, the surplus exiting early), both steps do the
  // very same arithmetic.
  for (const bool is_fused : {false, true}) {
    plan.fused = is_fused;
    auto wide = pipeline::make_host_pipeline(plan, before, pipeline::Launch{true});
    const pipeline::StepStats wst = wide->step(tokens.data(), tokens.size(), base, epoch, lr);
    Embeddings w;
    wide->download(w);
    const Embeddings& exact = is_fused ? after : twin_after;
    EXPECT_EQ(wst.loss, is_fused ? st.loss : twin_st.loss);
    EXPECT_EQ(wst.pairs, st.pairs);
    EXPECT_TRUE(w.in == exact.in && w.out == exact.out && w.out_bias == exact.out_bias)
        << (is_fused ? "fused" : "gemm") << " step launched at capacity differs";
  }
  std::printf("  %llu pairs, %llu groups; worst relative error W_in %.2e, W_out %.2e\n",
              static_cast<unsigned long long>(st.pairs), static_cast<unsigned long long>(st.groups), worst_in,
              worst_out);

}

INSTANTIATE_TEST_SUITE_P(
    Pipeline, FusedStep,
    ::testing::Values(FusedCase{"SkipGramGroup1", ModelType::kSkipGram, 1},
                      FusedCase{"SkipGramGroup8", ModelType::kSkipGram, 8},
                      FusedCase{"SkipGramWholeBatch", ModelType::kSkipGram, 1u << 20},
                      FusedCase{"CbowGroup1", ModelType::kCbow, 1},
                      FusedCase{"CbowGroup8", ModelType::kCbow, 8},
                      FusedCase{"CbowWholeBatch", ModelType::kCbow, 1u << 20},
                      // The cap binds on frequent rows of the synthetic Zipf text at 2.
                      FusedCase{"SkipGramGroup8Cap2", ModelType::kSkipGram, 8, 2},
                      FusedCase{"CbowGroup8Cap2", ModelType::kCbow, 8, 2},
                      // 12 words: every tile's rows collide (contexts, centers and negatives).
                      FusedCase{"SkipGramCollisions", ModelType::kSkipGram, 8, 0, 12},
                      // Groups of one position: a word alone in its sentence makes a group
                      // with no pairs, whose samples must touch no row (its list would overflow).
                      FusedCase{"SkipGramCollisionsGroup1", ModelType::kSkipGram, 1, 0, 12},
                      FusedCase{"CbowCollisionsCap2", ModelType::kCbow, 8, 2, 12},
                      // dim 500: a tile holds 8 pairs, so a group of 8 positions takes several chunks.
                      FusedCase{"SkipGramWideChunks", ModelType::kSkipGram, 8, 0, 300, 500},
                      FusedCase{"SkipGramNceBias", ModelType::kSkipGram, 8, 0, 300, 24, 7, OutputLoss::kNce, true},
                      // softmax couples a pair's samples: skip-gram scores each pair, not each context.
                      FusedCase{"SkipGramSoftmaxBiasCap2", ModelType::kSkipGram, 8, 2, 300, 24, 7,
                                OutputLoss::kSoftmax, true},
                      FusedCase{"CbowSoftmaxBiasCap2", ModelType::kCbow, 8, 2, 300, 24, 7, OutputLoss::kSoftmax,
                                true}),
    fused_case_name);

// The step leaves its accumulators and counts at zero: a second batch, from the rows the first
// left, matches float64 from those rows.
TEST(FusedStepTwice, SecondBatchStartsClean) {
  for (const ModelType type : {ModelType::kSkipGram, ModelType::kCbow}) {
    test::PlanOptions o;
    o.type = type;
    o.group_size = 8;
    o.loss = type == ModelType::kCbow ? OutputLoss::kSoftmax : OutputLoss::kNeg;
    o.output_bias = type == ModelType::kCbow;
    const auto counts = test::zipf_counts(o.vocab);
    TrainPlan plan = test_plan(o, counts);
    plan.fused = true;
    auto p = pipeline::make_host_pipeline(plan, test::random_embeddings(o.vocab, o.dim, 11, o.output_bias));
    if (!p) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline";
    const std::vector<uint32_t> first = test::synthetic_tokens(counts, 2500, 24, 7);
    p->step(first.data(), first.size(), 0, 0, 0.05f);
    Embeddings mid, after;
    p->download(mid);
    const std::vector<uint32_t> second = test::synthetic_tokens(counts, 2500, 24, 8);
    const uint64_t base = first.size();
    const pipeline::StepStats st = p->step(second.data(), second.size(), base, 0, 0.05f);
    p->download(after);
    const test::RefExpansion x = test::reference_expansion(plan, second.data(), second.size(), base, 0);
    const test::RefModel ref = test::reference_batch_step(plan, mid, x, 0.05f);
    EXPECT_NEAR(st.loss, ref.loss, 1e-5 * ref.loss);
    EXPECT_TRUE(test::matrices_match("W_in", after.in, ref.in, ref.in_mag, o.dim, 1e-5));
    EXPECT_TRUE(test::matrices_match("W_out", after.out, ref.out, ref.out_mag, o.dim, 1e-5));
    if (o.output_bias) EXPECT_TRUE(test::matrices_match("b_out", after.out_bias, ref.bias, ref.bias_mag, 1, 1e-5));
  }
}

TEST(FusedStepEpoch, DriverTrainsAsTheGemmStepDoes) {
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(3000, 40000, 5), "fused_epoch");
  test::PlanOptions o;
  o.vocab = c.vocab.size();
  o.batch_words = 1000;
  o.group_size = 16;
  TrainPlan plan = test_plan(o, c.vocab.counts());
  const Embeddings before = test::random_embeddings(o.vocab, o.dim, 3);
  auto twin = pipeline::make_host_pipeline(plan, before);
  if (!twin) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline";
  plan.fused = true;
  auto fused = pipeline::make_host_pipeline(plan, before);
  std::vector<double> losses[2];
  for (int which = 0; which < 2; ++which) {
    const RunControlOptions po = test::epochs_over(c.cache, 3);
    RunControl progress(po, {});
    for (uint32_t epoch = 0; epoch < 3; ++epoch) {
      progress.start_epoch(epoch);
      TrainCursor cursor{epoch, {}};
      EXPECT_TRUE((which ? fused : twin)->train_epoch(c.cache, cursor, progress));
      losses[which].push_back(progress.mean_loss());
    }
  }
  // The two sum in different orders, so after 120 steps their rows differ by more than one
  // step's rounding; the losses still agree closely.
  EXPECT_LT(losses[1].back(), losses[1].front());
  for (size_t e = 0; e < losses[0].size(); ++e) EXPECT_NEAR(losses[1][e], losses[0][e], 1e-3 * losses[0][e]);
  Embeddings m;
  fused->download(m);
  for (float v : m.in) ASSERT_TRUE(std::isfinite(v));
}

// The driver's steps are recorded at the first batch and replayed (a CUDA graph on the GPU;
// here the recorded closure), so everything that changes between batches (the tokens, their
// position and number, the learning rate) must reach the step through device memory. Replayed,
// launched at capacity or not, the epoch equals single unrecorded steps bit for bit.
TEST(FusedStepEpoch, ReplayedDriverEqualsStepsOverItsBatches) {
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(200, 20000, 4), "fused_driver");
  test::PlanOptions o;
  o.vocab = c.vocab.size();
  o.batch_words = 700;
  o.group_size = 5;
  TrainPlan plan = test_plan(o, c.vocab.counts());
  plan.fused = true;
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 9);
  const RunControlOptions po = test::epochs_over(c.cache, 1);
  auto q = pipeline::make_host_pipeline(plan, e);
  if (!q) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline";
  size_t begin = 0, batches = 0;
  uint64_t done = 0;
  std::vector<size_t> sizes;
  for (size_t end : pipeline::cut_batches(c.cache.data(), c.cache.size(), o.batch_words)) {
    const float lr = learning_rate(po.alpha, po.min_alpha_ratio, done, c.cache.words());
    done += q->step(c.cache.data() + begin, end - begin, begin, 0, lr).words;
    sizes.push_back(end - begin);
    begin = end;
    ++batches;
  }
  Embeddings stepped;
  q->download(stepped);
  ASSERT_GT(batches, 20u);
  ASSERT_NE(*std::min_element(sizes.begin(), sizes.end()), *std::max_element(sizes.begin(), sizes.end()));
  for (const pipeline::Launch launch : {pipeline::Launch{false, true}, pipeline::Launch{true, true},
                                        pipeline::Launch{false, false}}) {
    RunControl progress(po, {});
    auto p = pipeline::make_host_pipeline(plan, e, launch);
    progress.start_epoch(0);
    TrainCursor cursor{0, {}};
    EXPECT_TRUE(p->train_epoch(c.cache, cursor, progress));
    EXPECT_EQ(p->replays(), launch.replay);
    Embeddings driven;
    p->download(driven);
    EXPECT_TRUE(driven.in == stepped.in && driven.out == stepped.out)
        << "capacity " << launch.capacity << ", replay " << launch.replay;
  }
}

TEST(FusedStepRefuses, DeterministicAndOversizedTiles) {
  test::PlanOptions o;
  o.deterministic = true;
  const auto counts = test::zipf_counts(o.vocab);
  TrainPlan plan = test_plan(o, counts);
  plan.fused = true;
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 1);
  try {
    pipeline::make_host_pipeline(plan, e);
    ADD_FAILURE() << "fused with deterministic was accepted";
  } catch (const UsageError& err) {
    EXPECT_NE(std::string(err.what()).find("the fused step is not deterministic"), std::string::npos) << err.what();
  }
  o.deterministic = false;
  o.dim = 300;
  o.group_negatives = 64;
  plan = test_plan(o, counts);
  plan.fused = true;
  try {
    pipeline::make_host_pipeline(plan, test::random_embeddings(o.vocab, o.dim, 1));
    ADD_FAILURE() << "a tile over the shared-memory limit was accepted";
  } catch (const UsageError& err) {
    EXPECT_NE(std::string(err.what()).find("lower train.group_negatives"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace gemmvec
