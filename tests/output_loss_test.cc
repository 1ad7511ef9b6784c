// gemmvec tests: what the output layers are for. Sampled softmax tends to the full softmax as
// the samples grow; nce learns self-normalised scores where neg does not; the one-pair neg step
// is TensorFlow's NegTrain update.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "cpu/cpu_step.h"
#include "math/output_loss.h"
#include "step_cases.h"

namespace gemmvec {
namespace {

// The gradient of the sampled softmax's loss with respect to every word's score, averaged over
// `draws` sets of K uniform samples, against the full softmax's p_w - [w == o].
double sampled_softmax_error(const std::vector<float>& s, uint32_t o, uint32_t K, int draws, std::mt19937& rng) {
  const uint32_t V = static_cast<uint32_t>(s.size());
  std::vector<double> p(V);
  double z = 0;
  for (uint32_t w = 0; w < V; ++w) z += p[w] = std::exp(double(s[w]));
  std::vector<double> full(V);
  for (uint32_t w = 0; w < V; ++w) full[w] = p[w] / z - (w == o ? 1.0 : 0.0);

  const std::vector<float> log_q(V, -std::log(float(V)));  // uniform Q
  const LossWeights weights{1.0f, 1.0f, OutputLoss::kSoftmax, std::log(float(K)), true};
  std::uniform_int_distribution<uint32_t> word(0, V - 1);
  std::vector<double> mean(V, 0.0);
  std::vector<uint32_t> samples(K);
  std::vector<float> coef(K);
  for (int d = 0; d < draws; ++d) {
    for (uint32_t j = 0; j < K; ++j) {
      samples[j] = word(rng);
      coef[j] = s[samples[j]];
    }
    float pos = s[o];
    output_coefs(pos, coef.data(), samples.data(), o, K, weights, log_q.data(), false);
    mean[o] -= pos / draws;  // coefficients are -lr * gradient, lr = 1
    for (uint32_t j = 0; j < K; ++j) mean[samples[j]] -= coef[j] / draws;
  }
  double err = 0;
  for (uint32_t w = 0; w < V; ++w) err = std::max(err, std::abs(mean[w] - full[w]));
  return err;
}

TEST(SampledSoftmax, GradientTendsToTheFullSoftmaxAsSamplesGrow) {
  const uint32_t V = 16, o = 3;
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0.0f, 1.5f);
  std::vector<float> s(V);
  for (float& x : s) x = n(rng);
  const double e4 = sampled_softmax_error(s, o, 4, 400, rng);
  const double e16 = sampled_softmax_error(s, o, 16, 400, rng);
  const double e256 = sampled_softmax_error(s, o, 256, 400, rng);
  const double e4096 = sampled_softmax_error(s, o, 4096, 100, rng);
  std::printf("  max |mean sampled - full| gradient: K 4 %.4f, 16 %.4f, 256 %.4f, 4096 %.4f\n", e4, e16, e256, e4096);
  EXPECT_GT(e4, e256);
  EXPECT_GT(e16, e4096);
  EXPECT_LT(e4096, 0.01);
}

// Contexts c with a known P(w | c); scores s_w(c) = u_c . v_w + b_w trained by the step with
// samples from Q. Under nce the scores tend to log P(w | c), so sum_w exp(s_w(c)) tends to 1;
// under neg they tend to log(P / (k Q)), whose sum is far from 1.
double mean_abs_log_z(OutputLoss loss) {
  const uint32_t C = 4, V = 8, k = 5;
  Embeddings m;
  m.rows = V;  // rows 0..C-1 of `in` are the contexts
  m.dim = V;
  m.in.assign(size_t(V) * V, 0.0f);
  m.out.assign(size_t(V) * V, 0.0f);
  m.out_bias.assign(V, 0.0f);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> init(-0.1f, 0.1f);
  for (float& x : m.in) x = init(rng);
  // P(w | c): a different skewed distribution per context; Q: uniform.
  std::vector<std::discrete_distribution<uint32_t>> p_wc;
  for (uint32_t c = 0; c < C; ++c) {
    std::vector<double> weights(V);
    for (uint32_t w = 0; w < V; ++w) weights[w] = 1.0 / (1 + (w + 3 * c) % V);
    p_wc.emplace_back(weights.begin(), weights.end());
  }
  const std::vector<float> log_q(V, -std::log(float(V)));
  std::uniform_int_distribution<uint32_t> noise(0, V - 1), context(0, C - 1);
  StepScratch scratch;
  GroupPairs g;
  const int steps = 60000;
  for (int t = 0; t < steps; ++t) {
    const float lr = 0.1f * (1.0f - float(t) / steps) + 1e-4f;
    const LossWeights w{lr, 1.0f, loss, std::log(float(k)), loss != OutputLoss::kNce};
    const uint32_t c = context(rng);
    g.clear();
    g.inputs.push_back(c);
    g.input_begin.push_back(1);
    g.outs.push_back(p_wc[c](rng));
    g.out_of.push_back(0);
    g.negatives.resize(k);
    for (uint32_t& n : g.negatives) n = noise(rng);
    cpu_group_step(m, g, w, log_q.data(), scratch, false);
  }
  double sum = 0;
  for (uint32_t c = 0; c < C; ++c) {
    double z = 0;
    for (uint32_t w = 0; w < V; ++w) {
      double s = m.out_bias[w];
      for (uint32_t i = 0; i < m.dim; ++i) s += double(m.in_row(c)[i]) * m.out_row(w)[i];
      z += std::exp(s);
    }
    sum += std::abs(std::log(z));
  }
  return sum / C;
}

TEST(Nce, LearnsSelfNormalisedScoresWhereNegDoesNot) {
  const double nce = mean_abs_log_z(OutputLoss::kNce);
  const double neg = mean_abs_log_z(OutputLoss::kNeg);
  std::printf("  mean |log Z(c)|: nce %.3f, neg %.3f\n", nce, neg);
  EXPECT_LT(nce, 0.1);
  EXPECT_GT(neg, 0.5);
}

// TensorFlow's NegTrain kernel (word2vec_kernels.cc) for one example: the label with g =
// lr * sigmoid(-x), then each sample with g = -lr * sigmoid(x), each output row updated as it
// goes, the input row last. With distinct samples that differ from the label, the group step
// of one pair with K = k must give the same rows.
TEST(NegativeSampling, OnePairStepIsTensorFlowsNegTrain) {
  const uint32_t V = 30, d = 16, k = 6;
  Embeddings m = test::random_embeddings(V, d, 3);
  const uint32_t example = 4, label = 9;
  const std::vector<uint32_t> samples{1, 2, 17, 21, 25, 29};
  const double lr = 0.1;

  std::vector<double> in(m.in.begin(), m.in.end()), out(m.out.begin(), m.out.end());
  std::vector<double> buf(d, 0.0);
  auto train = [&](uint32_t w, bool is_label) {
    double x = 0;
    for (uint32_t i = 0; i < d; ++i) x += in[example * d + i] * out[w * d + i];
    const double sig = 1.0 / (1.0 + std::exp(-x));
    const double g = is_label ? lr * (1.0 - sig) : -lr * sig;
    for (uint32_t i = 0; i < d; ++i) {
      buf[i] += g * out[w * d + i];
      out[w * d + i] += g * in[example * d + i];
    }
  };
  train(label, true);
  for (uint32_t n : samples) train(n, false);
  for (uint32_t i = 0; i < d; ++i) in[example * d + i] += buf[i];

  GroupPairs g;
  g.inputs.push_back(example);
  g.input_begin.push_back(1);
  g.outs.push_back(label);
  g.out_of.push_back(0);
  g.negatives = samples;
  StepScratch scratch;
  cpu_group_step(m, g, {float(lr), 1.0f}, nullptr, scratch, false);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(m.in[i], in[i], 1e-6) << "in " << i;
  for (size_t i = 0; i < out.size(); ++i) EXPECT_NEAR(m.out[i], out[i], 1e-6) << "out " << i;
  ASSERT_EQ(k, samples.size());
}

}  // namespace
}  // namespace gemmvec
