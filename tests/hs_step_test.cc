// gemmvec tests: the CPU hierarchical-softmax step against the float64 reference, and against
// finite differences of its loss.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cpu/hs_step.h"
#include "reference_hs.h"
#include "step_cases.h"

namespace gemmvec {
namespace {

using test::Case;
using test::RefMatrices;
using test::RefPath;

// A vocab of `v` words with uneven counts, so paths have several lengths.
HuffmanTree tree_of(uint32_t v) {
  std::vector<uint64_t> counts(v);
  for (uint32_t w = 0; w < v; ++w) counts[w] = 1000 / (w + 1) + 1;
  return HuffmanTree(counts);
}

std::vector<RefPath> ref_paths(const HuffmanTree& t) {
  std::vector<RefPath> paths(t.words());
  for (uint32_t w = 0; w < t.words(); ++w)
    for (uint32_t j = 0; j < t.length(w); ++j) {
      paths[w].nodes.push_back(t.nodes(w)[j]);
      paths[w].code.push_back(t.code(w)[j]);
    }
  return paths;
}

struct HsParams {
  bool cbow;
  uint32_t centers, ctx;
};

class HsStepTest : public ::testing::TestWithParam<HsParams> {};

// Several pairs, rows repeating between them (a small vocab), so the order in which pairs
// see each other's updates is checked too.
TEST_P(HsStepTest, MatchesFloat64Reference) {
  const HsParams p = GetParam();
  const uint32_t vocab = 40, dim = 67;  // odd dim: exercises the vector loops' tails
  const HuffmanTree tree = tree_of(vocab);
  Embeddings m = test::random_embeddings(vocab, dim, 7);
  const Embeddings before = m;
  RefMatrices ref = test::to_ref(m);
  const RefMatrices ref_before = ref;
  const Case c = test::random_group(p.cbow, p.centers, p.ctx, 0, vocab, 11);
  const float lr = 0.025f;
  StepScratch scratch;
  const double loss = cpu_hs_step(m, tree, c.group, lr, scratch, true);
  const double ref_loss = test::reference_hs_step(ref, c.ref, ref_paths(tree), lr);
  EXPECT_NEAR(loss, ref_loss, 1e-5 * std::abs(ref_loss));
  test::expect_same_update(before.in, m.in, ref_before.in, ref.in, "in");
  test::expect_same_update(before.out, m.out, ref_before.out, ref.out, "out");
  // Without the loss the step moves the rows the same way.
  Embeddings quiet = before;
  EXPECT_EQ(cpu_hs_step(quiet, tree, c.group, lr, scratch, false), 0.0);
  EXPECT_EQ(quiet.in, m.in);
  EXPECT_EQ(quiet.out, m.out);
}

INSTANTIATE_TEST_SUITE_P(Pairs, HsStepTest,
                         ::testing::Values(HsParams{false, 1, 1}, HsParams{false, 1, 6}, HsParams{false, 5, 4},
                                           HsParams{true, 1, 6}, HsParams{true, 6, 3}),
                         [](const ::testing::TestParamInfo<HsParams>& info) {
                           const HsParams& p = info.param;
                           return std::string(p.cbow ? "Cbow" : "SkipGram") + std::to_string(p.centers) +
                                  "Centers" + std::to_string(p.ctx) + "Contexts";
                         });

// One pair: the skip-gram update is -lr times the gradient of its loss at the start; CBOW adds
// the gradient of the mean to every context row, i.e. C times the gradient of that row.
TEST(HsStep, UpdateIsMinusLrTimesFiniteDifferenceGradient) {
  for (bool cbow : {false, true}) {
    const uint32_t vocab = 12, dim = 9, ctx = cbow ? 3 : 1;
    const HuffmanTree tree = tree_of(vocab);
    const std::vector<RefPath> paths = ref_paths(tree);
    Embeddings m = test::random_embeddings(vocab, dim, 3);
    // The rarest word: the longest path. Distinct inputs, so a row's gradient is its own.
    test::Case c;
    c.group.outs = {vocab - 1};
    c.group.out_of = {0};
    for (uint32_t i = 0; i < ctx; ++i) c.group.inputs.push_back(i);
    c.group.input_begin.push_back(ctx);
    c.ref = {{c.group.inputs, vocab - 1}};
    ASSERT_GE(tree.length(vocab - 1), 4u);
    // One pair's nodes are distinct rows, so its update is exactly linear in lr; a larger lr
    // keeps it well above the float rounding of the rows (half an ulp at 0.5: 3e-8).
    const double lr = 1e-2;
    Embeddings stepped = m;
    StepScratch scratch;
    cpu_hs_step(stepped, tree, c.group, float(lr), scratch, false);
    RefMatrices ref = test::to_ref(m);
    auto loss = [&] {
      RefMatrices copy = ref;
      return test::reference_hs_step(copy, c.ref, paths, 0.0);
    };
    const double h = 1e-6;
    int moved = 0;
    for (int which = 0; which < 2; ++which) {
      std::vector<double>& theta = which ? ref.out : ref.in;
      const std::vector<float>& a = which ? m.out : m.in;
      const std::vector<float>& b = which ? stepped.out : stepped.in;
      for (size_t i = 0; i < theta.size(); ++i) {
        const double keep = theta[i];
        theta[i] = keep + h;
        const double lp = loss();
        theta[i] = keep - h;
        const double lm = loss();
        theta[i] = keep;
        double grad = (lp - lm) / (2 * h);
        if (cbow && which == 0) grad *= ctx;
        const double update = double(b[i]) - double(a[i]);
        if (update != 0) ++moved;
        EXPECT_NEAR(update, -lr * grad, 6e-8 + 1e-3 * std::abs(lr * grad))
            << (cbow ? "cbow " : "skip-gram ") << (which ? "out" : "in") << "[" << i << "]";
      }
    }
    // The input rows and every node row of the path moved; nothing else did.
    EXPECT_EQ(moved, int((ctx + tree.length(vocab - 1)) * dim));
  }
}

}  // namespace
}  // namespace gemmvec
