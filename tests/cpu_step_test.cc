// gemmvec tests: the CPU group step against the float64 reference, and against finite
// differences of the loss.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "cpu/cpu_step.h"
#include "reference_step.h"

namespace gemmvec {
namespace {

using test::RefMatrices;
using test::RefPair;

Embeddings random_embeddings(uint32_t rows, uint32_t dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  Embeddings m;
  m.rows = rows;
  m.dim = dim;
  m.in.resize(size_t(rows) * dim);
  m.out.resize(size_t(rows) * dim);
  for (float& x : m.in) x = u(rng);
  for (float& x : m.out) x = u(rng);
  return m;
}

RefMatrices to_ref(const Embeddings& m) {
  RefMatrices r;
  r.rows = m.rows;
  r.dim = m.dim;
  r.in.assign(m.in.begin(), m.in.end());
  r.out.assign(m.out.begin(), m.out.end());
  return r;
}

// A random group: `centers` outputs, each with `ctx` pairs (skip-gram) or one CBOW pair of
// `ctx` inputs; ids drawn from a small vocab so rows repeat and negatives collide.
struct Case {
  GroupPairs group;
  std::vector<RefPair> ref;
};

Case random_group(bool cbow, uint32_t centers, uint32_t ctx, uint32_t k, uint32_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<uint32_t> word(0, vocab - 1);
  Case c;
  for (uint32_t o = 0; o < centers; ++o) {
    const uint32_t out = word(rng);
    c.group.outs.push_back(out);
    std::vector<uint32_t> inputs;
    for (uint32_t i = 0; i < ctx; ++i) inputs.push_back(word(rng));
    if (cbow) {
      c.group.inputs.insert(c.group.inputs.end(), inputs.begin(), inputs.end());
      c.group.input_begin.push_back(uint32_t(c.group.inputs.size()));
      c.group.out_of.push_back(o);
      c.ref.push_back({inputs, out});
    } else {
      for (uint32_t w : inputs) {
        c.group.inputs.push_back(w);
        c.group.input_begin.push_back(uint32_t(c.group.inputs.size()));
        c.group.out_of.push_back(o);
        c.ref.push_back({{w}, out});
      }
    }
  }
  for (uint32_t j = 0; j < k; ++j) c.group.negatives.push_back(word(rng));
  c.group.negatives[0] = c.group.outs[0];  // always exercise the collision mask
  return c;
}

// Compares the updates (after - before) of float and float64, as abs + |ref| * eps with the
// absolute part scaled to the largest update; prints the first few mismatches.
void expect_same_update(const std::vector<float>& before, const std::vector<float>& after,
                        const std::vector<double>& ref_before, const std::vector<double>& ref_after,
                        const char* what) {
  double scale = 0;
  for (size_t i = 0; i < after.size(); ++i) scale = std::max(scale, std::abs(ref_after[i] - ref_before[i]));
  ASSERT_GT(scale, 0.0) << what << ": the step changed nothing";
  int bad = 0;
  for (size_t i = 0; i < after.size() && bad < 5; ++i) {
    const double ref = ref_after[i] - ref_before[i];
    const double got = double(after[i]) - double(before[i]);
    const double tol = 1e-5 * std::abs(ref) + 1e-5 * scale;
    if (std::abs(got - ref) > tol) {
      ++bad;
      ADD_FAILURE() << what << "[" << i << "]: got " << got << ", reference " << ref;
    }
  }
}

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
