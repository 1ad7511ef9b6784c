// gemmvec tests: the CPU group step against the float64 reference, and against finite
// differences of the loss.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>

#include "cpu/cpu_step.h"
#include "reference_step.h"
#include "step_cases.h"
#include "train/train_plan.h"

namespace gemmvec {
namespace {

using test::Case;
using test::RefMatrices;
using test::RefPair;
using test::expect_same_update;
using test::random_embeddings;
using test::random_group;
using test::to_ref;

// An output layer to test: the loss, output biases, removal of accidental hits.
struct LossCase {
  OutputLoss kind;
  bool bias;
  bool remove_hits = true;
};

std::string loss_name(const LossCase& l) {
  const char* names[] = {"Neg", "Nce", "Softmax", "Hs"};
  return std::string(names[static_cast<int>(l.kind)]) + (l.bias ? "Bias" : "") + (l.remove_hits ? "" : "KeepHits");
}

// A Zipf-like noise distribution over the vocab, and the weights of the step at lr for K samples.
struct LossSetup {
  std::vector<float> log_q;
  LossWeights weights;
  test::RefLoss ref;
};

LossSetup loss_setup(const LossCase& l, uint32_t vocab, float lr, uint32_t k, uint32_t K) {
  std::vector<uint64_t> counts(vocab);
  for (uint32_t w = 0; w < vocab; ++w) counts[w] = 1 + 1000 / (w + 1);
  LossSetup s;
  s.log_q = noise_log_probabilities(counts, 0.75);
  const float log_k = std::log(static_cast<float>(l.kind == OutputLoss::kSoftmax ? K : k));
  s.weights = {lr, float(k) / float(K), l.kind, log_k, l.remove_hits};
  s.ref.kind = l.kind;
  s.ref.neg_weight = double(k) / double(K);
  s.ref.log_k = log_k;
  s.ref.remove_hits = l.remove_hits;
  s.ref.log_q.assign(s.log_q.begin(), s.log_q.end());
  return s;
}

void add_biases(Embeddings& m, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  m.out_bias.resize(m.rows);
  for (float& b : m.out_bias) b = u(rng);
}

struct StepParams {
  bool cbow;
  uint32_t centers, ctx, k;
};

class CpuStepTest : public ::testing::TestWithParam<std::tuple<StepParams, LossCase>> {};

TEST_P(CpuStepTest, MatchesFloat64Reference) {
  const auto [p, l] = GetParam();
  const uint32_t vocab = 40, dim = 67;  // odd dim: exercises the vector loops' tails
  Embeddings m = random_embeddings(vocab, dim, 7);
  if (l.bias) add_biases(m, 8);
  const Embeddings before = m;
  RefMatrices ref = to_ref(m);
  const RefMatrices ref_before = ref;
  Case c = random_group(p.cbow, p.centers, p.ctx, p.k, vocab, 11);
  const LossSetup setup = loss_setup(l, vocab, 0.025f, 5, p.k);
  StepScratch scratch;
  const double loss = cpu_group_step(m, c.group, setup.weights, setup.log_q.data(), scratch, true);
  const double ref_loss = test::reference_step(ref, c.ref, c.group.negatives, 0.025, setup.ref);
  EXPECT_NEAR(loss, ref_loss, 1e-5 * std::abs(ref_loss));
  expect_same_update(before.in, m.in, ref_before.in, ref.in, "in");
  expect_same_update(before.out, m.out, ref_before.out, ref.out, "out");
  if (l.bias) expect_same_update(before.out_bias, m.out_bias, ref_before.bias, ref.bias, "bias");
}

INSTANTIATE_TEST_SUITE_P(
    Groups, CpuStepTest,
    ::testing::Combine(::testing::Values(StepParams{false, 1, 6, 5}, StepParams{false, 8, 4, 16},
                                         StepParams{false, 3, 10, 1}, StepParams{true, 1, 6, 5},
                                         StepParams{true, 6, 3, 12}),
                       ::testing::Values(LossCase{OutputLoss::kNeg, false}, LossCase{OutputLoss::kNeg, false, false},
                                         LossCase{OutputLoss::kNce, false}, LossCase{OutputLoss::kNce, true},
                                         LossCase{OutputLoss::kSoftmax, false}, LossCase{OutputLoss::kSoftmax, true},
                                         LossCase{OutputLoss::kSoftmax, false, false})),
    [](const auto& info) {
      const StepParams& p = std::get<0>(info.param);
      return std::string(p.cbow ? "Cbow" : "SkipGram") + std::to_string(p.centers) + "Centers" +
             std::to_string(p.ctx) + "Contexts" + std::to_string(p.k) + "Samples" + loss_name(std::get<1>(info.param));
    });

// The skip-gram update is -lr times the gradient of the loss; CBOW adds the gradient of the
// mean to every context row, i.e. C times the gradient of that row.
class CpuStepGradient : public ::testing::TestWithParam<LossCase> {};

TEST_P(CpuStepGradient, UpdateIsMinusLrTimesFiniteDifferenceGradient) {
  const LossCase l = GetParam();
  for (bool cbow : {false, true}) {
    const uint32_t vocab = 12, dim = 9, ctx = 3;
    Embeddings m = random_embeddings(vocab, dim, 3);
    if (l.bias) add_biases(m, 4);
    Case c = random_group(cbow, 2, ctx, 4, vocab, 5);
    const double lr = 1e-3;
    const LossSetup setup = loss_setup(l, vocab, float(lr), 5, 4);
    Embeddings stepped = m;
    StepScratch scratch;
    cpu_group_step(stepped, c.group, setup.weights, setup.log_q.data(), scratch, false);
    RefMatrices ref = to_ref(m);
    const double h = 1e-6;
    for (int which = 0; which < 3; ++which) {
      if (which == 2 && !l.bias) continue;
      std::vector<double>& theta = which == 0 ? ref.in : which == 1 ? ref.out : ref.bias;
      const std::vector<float>& a = which == 0 ? m.in : which == 1 ? m.out : m.out_bias;
      const std::vector<float>& b = which == 0 ? stepped.in : which == 1 ? stepped.out : stepped.out_bias;
      for (size_t i = 0; i < theta.size(); i += which == 2 ? 1 : 5) {
        const double keep = theta[i];
        theta[i] = keep + h;
        const double lp = test::reference_loss(ref, c.ref, c.group.negatives, setup.ref);
        theta[i] = keep - h;
        const double lm = test::reference_loss(ref, c.ref, c.group.negatives, setup.ref);
        theta[i] = keep;
        double grad = (lp - lm) / (2 * h);
        if (cbow && which == 0) grad *= ctx;
        const double update = double(b[i]) - double(a[i]);
        EXPECT_NEAR(update, -lr * grad, 2e-6 * lr + 1e-3 * std::abs(lr * grad))
            << (cbow ? "cbow " : "skip-gram ") << (which == 0 ? "in" : which == 1 ? "out" : "bias") << "[" << i << "]";
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Losses, CpuStepGradient,
                         ::testing::Values(LossCase{OutputLoss::kNeg, false}, LossCase{OutputLoss::kNce, true},
                                           LossCase{OutputLoss::kSoftmax, false}, LossCase{OutputLoss::kSoftmax, true}),
                         [](const auto& info) { return loss_name(info.param); });

}  // namespace
}  // namespace gemmvec
