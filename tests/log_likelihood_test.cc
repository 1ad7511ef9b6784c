// gemmvec tests: the held-out log-likelihood: pairs from text, the sample, the tiled full softmax
// against a float64 brute force, and a model whose scores are a known distribution.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <vector>

#include "eval/log_likelihood.h"

namespace gemmvec {
namespace {

struct Model {
  uint32_t rows = 0, dim = 0;
  std::vector<float> in, out, bias;  // (rows, dim), (rows, dim), (rows) or empty
  OutputLayer layer() const { return {out.data(), bias.empty() ? nullptr : bias.data(), rows, dim}; }
};

Model random_model(uint32_t rows, uint32_t dim, bool with_bias, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Model m{rows, dim, std::vector<float>(size_t{rows} * dim), std::vector<float>(size_t{rows} * dim), {}};
  for (float& x : m.in) x = u(rng);
  for (float& x : m.out) x = u(rng);
  if (with_bias) {
    m.bias.resize(rows);
    for (float& x : m.bias) x = 2.0f * u(rng);
  }
  return m;
}

HeldOutPairs pairs_of(const std::vector<std::vector<uint32_t>>& sentences, const PairOptions& options) {
  HeldOutSampler sampler(options);
  for (const auto& s : sentences) sampler.add_sentence(s.data(), s.size());
  return sampler.take();
}

std::vector<std::vector<uint32_t>> random_sentences(uint32_t vocab, size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<uint32_t>> out(count);
  for (auto& s : out) {
    s.resize(1 + rng() % 9);
    for (uint32_t& id : s) id = rng() % vocab;
  }
  return out;
}

// The float64 brute force: every score, then log P = s_o - log sum_w exp(s_w) in one pass.
LogLikelihood reference(const HeldOutPairs& pairs, const Model& m) {
  LogLikelihood r;
  r.pairs = pairs.pairs.size();
  r.pairs_seen = pairs.seen;
  for (const HeldOutPair& p : pairs.pairs) {
    std::vector<double> u(m.dim, 0.0);
    for (uint32_t id : p.inputs)
      for (uint32_t k = 0; k < m.dim; ++k) u[k] += m.in[size_t{id} * m.dim + k] / static_cast<double>(p.inputs.size());
    std::vector<double> s(m.rows);
    double top = -INFINITY;
    for (uint32_t w = 0; w < m.rows; ++w) {
      s[w] = m.bias.empty() ? 0.0 : m.bias[w];
      for (uint32_t k = 0; k < m.dim; ++k) s[w] += u[k] * m.out[size_t{w} * m.dim + k];
      top = std::max(top, s[w]);
    }
    double z = 0;
    for (double x : s) z += std::exp(x - top);
    const double log_z = top + std::log(z);
    r.mean_log_p += (s[p.output] - log_z) / static_cast<double>(r.pairs);
    r.mean_log_z += log_z / static_cast<double>(r.pairs);
  }
  return r;
}

TEST(HeldOutPairs, SkipGramPredictsEachContextWordFromTheCenter) {
  const HeldOutPairs p = pairs_of({{10, 11, 12}, {13}}, {false, 1, 0, 1});
  std::vector<std::pair<uint32_t, uint32_t>> got;  // (input, output)
  for (const HeldOutPair& x : p.pairs) {
    ASSERT_EQ(x.inputs.size(), 1u);
    got.emplace_back(x.inputs[0], x.output);
  }
  const std::vector<std::pair<uint32_t, uint32_t>> want = {{10, 11}, {11, 10}, {11, 12}, {12, 11}};
  EXPECT_EQ(got, want);  // windows stop at the sentence; a one-word sentence has no pair
  EXPECT_EQ(p.seen, 4u);
}

TEST(HeldOutPairs, CbowPredictsTheCenterFromTheWholeWindow) {
  const HeldOutPairs p = pairs_of({{1, 2, 3, 4}, {5}}, {true, 2, 0, 1});
  ASSERT_EQ(p.pairs.size(), 4u);
  EXPECT_EQ(p.pairs[0].inputs, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(p.pairs[0].output, 1u);
  EXPECT_EQ(p.pairs[1].inputs, (std::vector<uint32_t>{1, 3, 4}));  // the full window: no reduction
  EXPECT_EQ(p.pairs[1].output, 2u);
  EXPECT_EQ(p.pairs[3].inputs, (std::vector<uint32_t>{2, 3}));
  EXPECT_EQ(p.pairs[3].output, 4u);
}

// CBOW, window 1, one sentence of distinct ids: pair i is the one whose output is id i.
std::vector<uint32_t> sampled_outputs(uint64_t max_pairs, uint64_t seed, uint32_t n) {
  std::vector<uint32_t> sentence(n);
  for (uint32_t i = 0; i < n; ++i) sentence[i] = i;
  std::vector<uint32_t> out;
  for (const HeldOutPair& p : pairs_of({sentence}, {true, 1, max_pairs, seed}).pairs) out.push_back(p.output);
  return out;
}

TEST(HeldOutPairs, TheSampleIsCappedDeterministicAndUniform) {
  const HeldOutPairs all = pairs_of({std::vector<uint32_t>(100, 7)}, {false, 2, 0, 1});
  const HeldOutPairs some = pairs_of({std::vector<uint32_t>(100, 7)}, {false, 2, 25, 1});
  EXPECT_EQ(all.pairs.size(), all.seen);
  EXPECT_EQ(some.seen, all.seen);
  EXPECT_EQ(some.pairs.size(), 25u);

  EXPECT_EQ(sampled_outputs(5, 3, 40), sampled_outputs(5, 3, 40));
  EXPECT_NE(sampled_outputs(5, 3, 40), sampled_outputs(5, 4, 40));
  EXPECT_EQ(sampled_outputs(50, 3, 40).size(), 40u);  // fewer pairs than the cap: all of them

  // Each of 20 pairs is kept with probability 5/20 whatever its place in the text.
  constexpr int kSeeds = 2000;
  std::map<uint32_t, int> kept;
  for (int seed = 0; seed < kSeeds; ++seed) {
    const std::vector<uint32_t> s = sampled_outputs(5, seed, 20);
    ASSERT_EQ(s.size(), 5u);
    for (uint32_t id : s) ++kept[id];
  }
  const double mean = kSeeds * 5.0 / 20.0, sd = std::sqrt(kSeeds * 0.25 * 0.75);
  for (uint32_t id = 0; id < 20; ++id) EXPECT_NEAR(kept[id], mean, 5 * sd) << "pair " << id;
}

TEST(LogLikelihood, MatchesTheFloat64BruteForce) {
  struct Case {
    bool cbow, bias;
    uint32_t rows, tile;
  };
  // Vocabularies not a multiple of the tile, a multiple of it, and smaller than it.
  const Case cases[] = {{false, false, 13, 5}, {false, true, 13, 5}, {true, false, 10, 5},
                        {true, true, 37, 8},   {false, true, 3, 4096}, {true, true, 300, 64}};
  for (const Case& c : cases) {
    const Model m = random_model(c.rows, 8, c.bias, c.rows * 31 + c.tile);
    const HeldOutPairs pairs = pairs_of(random_sentences(c.rows, 40, c.rows), {c.cbow, 3, 0, 1});
    ASSERT_GT(pairs.pairs.size(), 10u);
    const FullSoftmaxScorer scorer(m.layer(), c.tile);
    const LogLikelihood got = log_likelihood(pairs, m.in.data(), m.dim, scorer, 7);  // 7: blocks cut mid-way
    const LogLikelihood want = reference(pairs, m);
    SCOPED_TRACE(::testing::Message() << "cbow " << c.cbow << " bias " << c.bias << " rows " << c.rows);
    EXPECT_EQ(got.pairs, want.pairs);
    EXPECT_EQ(got.pairs_seen, want.pairs_seen);
    EXPECT_NEAR(got.mean_log_p, want.mean_log_p, 1e-5 * (1 + std::fabs(want.mean_log_p)));
    EXPECT_NEAR(got.mean_log_z, want.mean_log_z, 1e-5 * (1 + std::fabs(want.mean_log_z)));
    EXPECT_NEAR(got.perplexity(), std::exp(-want.mean_log_p), 1e-4 * got.perplexity());
  }
}

// Scores that are exactly log p of a distribution p, whatever the input: log Z = 0 and the
// likelihood is the mean log p of the words predicted; a constant added to every score moves
// log Z by that constant and leaves the likelihood.
TEST(LogLikelihood, ScoresThatAreLogProbabilitiesNeedNoNormaliser) {
  const std::vector<double> p = {0.5, 0.2, 0.15, 0.1, 0.05};
  const uint32_t rows = static_cast<uint32_t>(p.size());
  const HeldOutPairs pairs = pairs_of(random_sentences(rows, 30, 9), {false, 2, 0, 1});
  double want = 0;
  for (const HeldOutPair& x : pairs.pairs) want += std::log(p[x.output]) / static_cast<double>(pairs.pairs.size());
  for (const float shift : {0.0f, 3.0f}) {
    // As weights: dim 1, every input row 1, out_w = log p_w + shift.
    Model by_weights{rows, 1, std::vector<float>(rows, 1.0f), std::vector<float>(rows), {}};
    // As biases: out = 0, bias_w = log p_w + shift.
    Model by_bias{rows, 1, std::vector<float>(rows, 1.0f), std::vector<float>(rows, 0.0f), std::vector<float>(rows)};
    for (uint32_t w = 0; w < rows; ++w)
      by_weights.out[w] = by_bias.bias[w] = static_cast<float>(std::log(p[w])) + shift;
    for (const Model* m : {&by_weights, &by_bias}) {
      const LogLikelihood got = log_likelihood(pairs, m->in.data(), 1, FullSoftmaxScorer(m->layer(), 2));
      EXPECT_NEAR(got.mean_log_z, shift, 1e-6);
      EXPECT_NEAR(got.mean_log_p, want, 1e-6);
    }
  }
}

}  // namespace
}  // namespace gemmvec
