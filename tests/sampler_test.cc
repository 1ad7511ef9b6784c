// gemmvec tests: the alias table draws from Q by a chi-square test; subsampling keeps words at
// word2vec.c's rate; draws are pure functions of their counters.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/alias_table.h"
#include "math/output_loss.h"
#include "math/sampling.h"
#include "math/philox.h"

namespace gemmvec {
namespace {

std::vector<uint64_t> zipf_counts(uint32_t n) {
  std::vector<uint64_t> c(n);
  for (uint32_t i = 0; i < n; ++i) c[i] = 1 + 1000000 / (i + 1);
  return c;
}

TEST(AliasTable, ExactProbabilitiesMatchQ) {
  const auto counts = zipf_counts(500);
  const AliasTable t(counts, 0.75);
  double z = 0;
  for (auto c : counts) z += std::pow(double(c), 0.75);
  for (uint32_t w = 0; w < counts.size(); ++w)
    EXPECT_NEAR(t.probability(w), std::pow(double(counts[w]), 0.75) / z, 1e-6) << w;
}

TEST(AliasTable, DrawsPassChiSquare) {
  const uint32_t n = 200;
  const auto counts = zipf_counts(n);
  const AliasTable t(counts, 0.75);
  const AliasView q = t.view();
  std::vector<uint64_t> seen(n, 0);
  const uint64_t draws = 2'000'000;
  for (uint64_t g = 0; g < draws / 8; ++g)
    for (uint32_t j = 0; j < 8; ++j) ++seen[draw_negative(q, 42, 0, g, j)];
  double z = 0;
  for (auto c : counts) z += std::pow(double(c), 0.75);
  double chi2 = 0;
  for (uint32_t w = 0; w < n; ++w) {
    const double expect = draws * std::pow(double(counts[w]), 0.75) / z;
    chi2 += (seen[w] - expect) * (seen[w] - expect) / expect;
  }
  // 199 degrees of freedom: the 99.9% quantile is about 267.
  EXPECT_LT(chi2, 267.0);
  EXPECT_GT(chi2, 130.0);  // suspiciously perfect would mean the draws are not random
}

TEST(Subsampling, KeepsWordsAtWord2vecRate) {
  const uint64_t total = 10'000'000, count = 200'000;
  const double sample = 1e-4;
  const float keep = keep_probability(count, total, sample);
  const double expect = (std::sqrt(count / (sample * total)) + 1) * (sample * total) / count;
  EXPECT_NEAR(keep, expect, 1e-6);
  EXPECT_EQ(keep_probability(10, total, sample), 1.0f);   // rare words always kept
  EXPECT_EQ(keep_probability(count, total, 0.0), 1.0f);   // sample 0 disables it
  uint64_t kept = 0;
  const uint64_t n = 400'000;
  for (uint64_t p = 0; p < n; ++p) kept += to_unit(philox(9, Purpose::kToken, 2, p).x) < keep;
  const double sd = std::sqrt(n * keep * (1 - keep));
  EXPECT_NEAR(double(kept), n * keep, 5 * sd);
}

TEST(Philox, DrawsArePureFunctionsOfTheirCounter) {
  const Philox4 a = philox(5, Purpose::kNegative, 3, 123456789012ull, 7);
  const Philox4 b = philox(5, Purpose::kNegative, 3, 123456789012ull, 7);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.w, b.w);
  const Philox4 c = philox(5, Purpose::kNegative, 4, 123456789012ull, 7);  // other epoch
  const Philox4 d = philox(5, Purpose::kToken, 3, 123456789012ull, 7);     // other purpose
  EXPECT_NE(a.x, c.x);
  EXPECT_NE(a.x, d.x);
}

TEST(LearningRate, DecaysLinearlyToTheFloor) {
  EXPECT_FLOAT_EQ(learning_rate(0.025, 1e-4, 0, 1000), 0.025f);
  EXPECT_FLOAT_EQ(learning_rate(0.025, 1e-4, 500, 1000), 0.0125f);
  EXPECT_FLOAT_EQ(learning_rate(0.025, 1e-4, 1000, 1000), 0.025f * 1e-4f);
}

}  // namespace
}  // namespace gemmvec
