// gemmvec GPU tests (label gpu): the CUDA build of the GEMM pipeline against its host build on
// the same batch and draws (same pairs, same negatives, results within 1e-5 relative: atomics
// only reorder sums), its determinism, an epoch whose step replays as a CUDA graph against the
// same epoch launched kernel by kernel, and a short training run of cuda, cuda-host and cpu
// reaching comparable loss. Without a usable device every test is skipped with the reason.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline_backend.h"
#include "require_gpu.h"
#include "gemmvec/config.h"
#include "gemmvec/trainer.h"
#include "pipeline.h"
#include "pipeline_fixture.h"
#include "test_files.h"
#include "run/run_control.h"

namespace gemmvec {
namespace {

// The repo root: GEMMVEC_SOURCE_DIR in the environment (a build carried to another machine),
// else where this was built.
std::string source_dir() {
  const char* env = std::getenv("GEMMVEC_SOURCE_DIR");
  return env && *env ? env : GEMMVEC_SOURCE_DIR;
}

struct StepCase {
  ModelType type;
  uint32_t group_size;
  bool deterministic;
  float cap = 0;  // plan.row_update_cap (the cuda default is 128)
  OutputLoss loss = OutputLoss::kNeg;
  bool bias = false;  // plan.output_bias
  bool fused = false;  // train.step: fused
  uint32_t dim = 100;
};

std::string case_name(const ::testing::TestParamInfo<StepCase>& info) {
  const StepCase& c = info.param;
  return std::string(c.type == ModelType::kSkipGram ? "SkipGram" : "Cbow") + "Group" +
         std::to_string(c.group_size) + (c.deterministic ? "Sorted" : "Atomic") +
         (c.cap > 0 ? "Cap" + std::to_string(static_cast<int>(c.cap)) : "") +
         (c.loss == OutputLoss::kNce ? "Nce" : c.loss == OutputLoss::kSoftmax ? "Softmax" : "") + (c.bias ? "Bias" : "") +
         (c.fused ? "Fused" : "") + (c.dim != 100 ? "Dim" + std::to_string(c.dim) : "");
}

class PipelineGpuStep : public ::testing::TestWithParam<StepCase> {};

TEST_P(PipelineGpuStep, MatchesHostBuildDrawForDraw) {
  GEMMVEC_NEED_GPU();
  const StepCase c = GetParam();
  test::PlanOptions o;
  o.type = c.type;
  o.vocab = 5000;
  o.dim = c.dim;
  o.window = 5;
  o.group_size = c.group_size;
  o.group_negatives = 8;
  o.deterministic = c.deterministic;
  o.row_update_cap = c.cap;
  o.sample = 1e-3;
  o.loss = c.loss;
  o.output_bias = c.bias;
  const auto counts = test::zipf_counts(o.vocab);
  TrainPlan plan = test_plan(o, counts);
  plan.fused = c.fused;
  const auto tokens = test::synthetic_tokens(counts, 60000, 40, 3);
  const Embeddings before = test::random_embeddings(o.vocab, o.dim, 5, c.bias);
  const uint64_t base = 123457;
  const float lr = 0.025f;

  auto gpu = pipeline::make_cuda_pipeline(plan, before);
  auto host = pipeline::make_host_pipeline(plan, before);
  if (!host) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline to compare with";
  pipeline::StepTrace tg, th;
  const auto sg = gpu->step(tokens.data(), tokens.size(), base, 1, lr, &tg);
  const auto sh = host->step(tokens.data(), tokens.size(), base, 1, lr, &th);
  ASSERT_FALSE(sg.overflow);
  EXPECT_EQ(tg.kept, th.kept);
  EXPECT_EQ(tg.pair_center, th.pair_center);
  EXPECT_EQ(tg.pair_context, th.pair_context);
  EXPECT_EQ(tg.groups, th.groups);
  EXPECT_EQ(tg.negatives, th.negatives);
  EXPECT_EQ(sg.pairs, sh.pairs);
  EXPECT_EQ(sg.slot_rows, sh.slot_rows);
  EXPECT_NEAR(sg.loss, sh.loss, 1e-5 * sh.loss);

  Embeddings ag, ah;
  gpu->download(ag);
  host->download(ah);
  const test::RefExpansion x = test::reference_expansion(plan, tokens.data(), tokens.size(), base, 1);
  const test::RefModel ref = test::reference_batch_step(plan, before, x, lr);
  std::vector<double> host_in(ah.in.begin(), ah.in.end()), host_out(ah.out.begin(), ah.out.end());
  // As in pipeline_test.cc: capped updates are small against their rows, so the rounding of each
  // atomic addition into a row is what remains (a sorted scatter adds a finished sum once).
  // The fused step adds each row's finished sum once.
  const bool per_add = c.cap > 0 && !c.deterministic && !c.fused;
  const std::vector<double>* in_adds = per_add ? &ref.in_adds : nullptr;
  const std::vector<double>* out_adds = per_add ? &ref.out_adds : nullptr;
  double worst = 0;
  EXPECT_TRUE(test::matrices_match("W_in (cuda vs cuda-host)", ag.in, host_in, ref.in_mag, o.dim, 1e-5, &worst, in_adds));
  std::printf("  W_in worst relative difference %.2e\n", worst);
  EXPECT_TRUE(test::matrices_match("W_out (cuda vs cuda-host)", ag.out, host_out, ref.out_mag, o.dim, 1e-5, &worst,
                                   out_adds));
  std::printf("  W_out worst relative difference %.2e\n", worst);
  EXPECT_TRUE(test::matrices_match("W_in (cuda vs float64)", ag.in, ref.in, ref.in_mag, o.dim, 1e-5, nullptr, in_adds));
  EXPECT_TRUE(test::matrices_match("W_out (cuda vs float64)", ag.out, ref.out, ref.out_mag, o.dim, 1e-5, nullptr,
                                   out_adds));
  ASSERT_EQ(ag.out_bias.size(), ref.bias.size());
  if (c.bias) {
    EXPECT_TRUE(test::matrices_match("b_out (cuda vs float64)", ag.out_bias, ref.bias, ref.bias_mag, 1, 1e-5, nullptr,
                                     out_adds));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Pipeline, PipelineGpuStep,
    ::testing::Values(StepCase{ModelType::kSkipGram, 1, false}, StepCase{ModelType::kSkipGram, 16, false},
                      StepCase{ModelType::kSkipGram, 1u << 20, false}, StepCase{ModelType::kCbow, 1, false},
                      StepCase{ModelType::kCbow, 16, false}, StepCase{ModelType::kSkipGram, 16, true},
                      StepCase{ModelType::kCbow, 16, true},
                      // The row-update cap at the cuda default and one that most rows exceed.
                      StepCase{ModelType::kSkipGram, 8, false, 128}, StepCase{ModelType::kSkipGram, 8, true, 8},
                      StepCase{ModelType::kCbow, 8, false, 128},
                      StepCase{ModelType::kSkipGram, 8, false, 128, OutputLoss::kNce, true},
                      StepCase{ModelType::kSkipGram, 8, true, 8, OutputLoss::kSoftmax, true},
                      StepCase{ModelType::kCbow, 16, false, 0, OutputLoss::kSoftmax},
                      // The fused step (one kernel per group tile); at dim 300 its tile takes more
                      // than the 48 KiB of shared memory a block gets without opting in.
                      StepCase{ModelType::kSkipGram, 1, false, 0, OutputLoss::kNeg, false, true},
                      StepCase{ModelType::kSkipGram, 16, false, 128, OutputLoss::kNeg, false, true},
                      StepCase{ModelType::kSkipGram, 1u << 20, false, 0, OutputLoss::kNeg, false, true},
                      StepCase{ModelType::kCbow, 16, false, 128, OutputLoss::kNeg, false, true},
                      StepCase{ModelType::kSkipGram, 16, false, 128, OutputLoss::kNce, true, true},
                      StepCase{ModelType::kCbow, 16, false, 0, OutputLoss::kSoftmax, true, true},
                      StepCase{ModelType::kSkipGram, 16, false, 128, OutputLoss::kNeg, false, true, 300},
                      StepCase{ModelType::kCbow, 16, false, 128, OutputLoss::kNeg, false, true, 300}),
    case_name);

TEST(PipelineGpu, DeterministicRunsAreBitIdentical) {
  GEMMVEC_NEED_GPU();
  test::PlanOptions o;
  o.vocab = 3000;
  o.dim = 64;
  o.group_size = 16;
  o.deterministic = true;
  const auto counts = test::zipf_counts(o.vocab);
  const TrainPlan plan = test_plan(o, counts);
  const auto tokens = test::synthetic_tokens(counts, 50000, 30, 8);
  const Embeddings e = test::random_embeddings(o.vocab, o.dim, 2);
  Embeddings a, b;
  for (Embeddings* out : {&a, &b}) {
    auto p = pipeline::make_cuda_pipeline(plan, e);
    p->step(tokens.data(), tokens.size(), 0, 0, 0.025f);
    p->step(tokens.data(), tokens.size(), tokens.size(), 1, 0.02f);
    p->download(*out);
  }
  // The steps trained (equal but unchanged matrices would pass the comparison vacuously).
  EXPECT_NE(a.in, e.in);
  EXPECT_NE(a.out, e.out);
  EXPECT_EQ(a.in, b.in);
  EXPECT_EQ(a.out, b.out);
}

// ||a - b|| over ||b - before||: how far two trainings from `before` ended apart, against how
// far they moved.
double relative_gap(const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& before) {
  double gap = 0, moved = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    gap += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    moved += (double(b[i]) - before[i]) * (double(b[i]) - before[i]);
  }
  return moved > 0 ? std::sqrt(gap / moved) : 1.0;
}

// The fused step of an epoch captured once as a CUDA graph and replayed for every batch, on the
// epoch's tokens resident on the device, equals the same epoch launched kernel by kernel on
// batches streamed through the staging buffers, and the host build's epoch: atomics only reorder
// sums, so they end within 1e-4 of how far they moved (a replay that kept the first batch's
// tokens or learning rate would be off by the whole update).
TEST(PipelineGpu, ReplayedEpochMatchesLaunchByLaunch) {
  GEMMVEC_NEED_GPU();
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(500, 12000, 6), "gpu_replay");
  for (const ModelType type : {ModelType::kSkipGram, ModelType::kCbow}) {
    test::PlanOptions o;
    o.type = type;
    o.vocab = c.vocab.size();
    o.dim = 64;
    o.batch_words = 1000;
    o.group_size = 8;
    TrainPlan plan = test_plan(o, c.vocab.counts());
    plan.fused = true;
    const Embeddings e = test::random_embeddings(o.vocab, o.dim, 4);
    const RunControlOptions po = test::epochs_over(c.cache, 1);
    Embeddings out[3];  // replayed from resident tokens, launch by launch from streamed ones, host
    for (int which = 0; which < 3; ++which) {
      RunControl progress(po, {});
      std::unique_ptr<pipeline::Pipeline> p =
          which == 2 ? pipeline::make_host_pipeline(plan, e)
                     : pipeline::make_cuda_pipeline(plan, e, pipeline::Launch{false, which == 0, which == 0});
      if (!p) GTEST_SKIP() << "built without Thrust: no cuda-host pipeline to compare with";
      progress.start_epoch(0);
      TrainCursor cursor{0, {}};
      ASSERT_TRUE(p->train_epoch(c.cache, cursor, progress));
      EXPECT_EQ(p->replays(), which != 1) << "the step was not captured as a CUDA graph (see stderr)";
      p->download(out[which]);
    }
    for (int other : {1, 2}) {
      const double gap_in = relative_gap(out[0].in, out[other].in, e.in);
      const double gap_out = relative_gap(out[0].out, out[other].out, e.out);
      std::printf("  %s: replayed against %s: W_in %.2e, W_out %.2e of the update\n",
                  type == ModelType::kCbow ? "cbow" : "skip-gram", other == 1 ? "launch by launch" : "host",
                  gap_in, gap_out);
      EXPECT_LT(gap_in, 1e-4);
      EXPECT_LT(gap_out, 1e-4);
    }
  }
}

TEST(PipelineGpu, ShortTrainingMatchesHostAndCpu) {
  GEMMVEC_NEED_GPU();
  const std::string dir = ::testing::TempDir() + "/gemmvec_gpu_training";
  std::filesystem::create_directories(dir);
  const std::string corpus = dir + "/news.txt";
  // About 2M words of the bundled corpus.
  const std::string text = test::corpus_head(source_dir() + "/data/corpus/enwikinews.txt.xz", 60000);
  if (text.empty()) GTEST_SKIP() << "cannot read the bundled corpus";
  test::write_file(corpus, text);
  std::map<std::string, double> loss;
  for (const std::string backend : {"cuda", "cuda-host", "cpu"}) {
    Config c;
    c.data.corpus = {corpus};
    c.data.cache_dir = dir + "/cache";
    c.model.dim = 100;
    c.train.epochs = 1;
    c.train.backend = backend;
    // The backends' defaults: the pipeline's batch, group, K and row-update cap (docs/tuning.md).
    c.train.progress_seconds = 30;
    c.output.path = dir + "/vectors-" + backend + ".bin";
    const RunSummary s = train(c);
    loss[backend] = s.mean_loss;
    std::printf("  %-9s loss %.4f  %.0f words/s\n", backend.c_str(), s.mean_loss, s.words_per_second);
  }
  // The two pipeline builds differ only in summation order: 0.000% and 0.04% apart on the H200
  // (docs/gpu/h200-gpu-tests-final.log, gpu-tests-cap.log). The pipeline's defaults (batch,
  // shared K, cap) cost it loss against the cpu backend: 5.9% on the H200 (2.9790 against
  // 2.8131), 6.0% for cuda-host here (2.9790 against 2.8113, 2 threads).
  EXPECT_NEAR(loss["cuda"], loss["cuda-host"], 0.002 * loss["cuda-host"]);
  EXPECT_NEAR(loss["cuda"], loss["cpu"], 0.075 * loss["cpu"]);
}

}  // namespace
}  // namespace gemmvec
