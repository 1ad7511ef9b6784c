// gemmvec tests: the CPU group step against the float64 reference, and against finite
// differences of the loss.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "cpu/cpu_step.h"
#include "reference_step.h"
#include "step_cases.h"

namespace gemmvec {
namespace {

using test::Case;
using test::RefMatrices;
using test::RefPair;
using test::expect_same_update;
using test::random_embeddings;
using test::random_group;
using test::to_ref;

struct StepParams {
  bool cbow;
  uint32_t centers, ctx, k;
};

class CpuStepTest : public ::testing::TestWithParam<StepParams> {};

TEST_P(CpuStepTest, MatchesFloat64Reference) {
  const StepParams p = GetParam();
  const uint32_t vocab = 40, dim = 67;  // odd dim: exercises the vector loops' tails
  Embeddings m = random_embeddings(vocab, dim, 7);
  const Embeddings before = m;
  RefMatrices ref = to_ref(m);
  const RefMatrices ref_before = ref;
  Case c = random_group(p.cbow, p.centers, p.ctx, p.k, vocab, 11);
  const float lr = 0.025f, neg_weight = 5.0f / float(p.k);
  StepScratch scratch;
  const double loss = cpu_group_step(m, c.group, {lr, neg_weight}, nullptr, scratch, true);
  const double ref_loss = test::reference_step(ref, c.ref, c.group.negatives, lr, neg_weight);
  EXPECT_NEAR(loss, ref_loss, 1e-5 * std::abs(ref_loss));
  expect_same_update(before.in, m.in, ref_before.in, ref.in, "in");
  expect_same_update(before.out, m.out, ref_before.out, ref.out, "out");
}

INSTANTIATE_TEST_SUITE_P(Groups, CpuStepTest,
                         ::testing::Values(StepParams{false, 1, 6, 5}, StepParams{false, 8, 4, 16},
                                           StepParams{false, 3, 10, 1}, StepParams{true, 1, 6, 5},
                                           StepParams{true, 6, 3, 12}),
                         [](const ::testing::TestParamInfo<StepParams>& info) {
                           const StepParams& p = info.param;
                           return std::string(p.cbow ? "Cbow" : "SkipGram") + std::to_string(p.centers) +
                                  "Centers" + std::to_string(p.ctx) + "Contexts" + std::to_string(p.k) + "Negatives";
                         });

// The skip-gram update is -lr times the gradient of the loss; CBOW adds the gradient of the
// mean to every context row, i.e. C times the gradient of that row.
TEST(CpuStep, UpdateIsMinusLrTimesFiniteDifferenceGradient) {
  for (bool cbow : {false, true}) {
    const uint32_t vocab = 12, dim = 9, ctx = 3;
    Embeddings m = random_embeddings(vocab, dim, 3);
    Case c = random_group(cbow, 2, ctx, 4, vocab, 5);
    const double lr = 1e-3, neg_weight = 5.0 / 4.0;
    Embeddings stepped = m;
    StepScratch scratch;
    cpu_group_step(stepped, c.group, {float(lr), float(neg_weight)}, nullptr, scratch, false);
    RefMatrices ref = to_ref(m);
    const double h = 1e-6;
    for (int which = 0; which < 2; ++which) {
      std::vector<double>& theta = which ? ref.out : ref.in;
      const std::vector<float>& a = which ? m.out : m.in;
      const std::vector<float>& b = which ? stepped.out : stepped.in;
      for (size_t i = 0; i < theta.size(); i += 5) {
        const double keep = theta[i];
        theta[i] = keep + h;
        const double lp = test::reference_loss(ref, c.ref, c.group.negatives, neg_weight);
        theta[i] = keep - h;
        const double lm = test::reference_loss(ref, c.ref, c.group.negatives, neg_weight);
        theta[i] = keep;
        double grad = (lp - lm) / (2 * h);
        if (cbow && which == 0) grad *= ctx;
        const double update = double(b[i]) - double(a[i]);
        EXPECT_NEAR(update, -lr * grad, 2e-6 * lr + 1e-3 * std::abs(lr * grad))
            << (cbow ? "cbow " : "skip-gram ") << (which ? "out" : "in") << "[" << i << "]";
      }
    }
  }
}

}  // namespace
}  // namespace gemmvec
