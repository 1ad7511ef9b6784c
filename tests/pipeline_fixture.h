// gemmvec tests: what the GEMM pipeline's tests (CPU and GPU) and the cpu backend's draw tests
// share: a synthetic vocabulary and token stream (and a token cache of it), random matrices that
// are never zero, an independent expansion of the draws and a float64 reference of one batch
// step exactly as docs/algorithm.md states them, and a tolerance check that prints the first
// mismatches.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "train/alias_table.h"
#include "gemmvec/embeddings.h"
#include "math/output_loss.h"
#include "math/sampling.h"
#include "math/philox.h"
#include "data/token_cache.h"
#include "data/vocab.h"
#include "train/train_plan.h"
#include "run/run_control.h"
#include "reference_loss.h"

namespace gemmvec::test {

struct PlanOptions {
  ModelType type = ModelType::kSkipGram;
  uint32_t vocab = 300;
  uint32_t dim = 24;
  uint32_t window = 4;
  uint32_t negative = 5;        // k
  uint32_t group_size = 1;
  uint32_t group_negatives = 7; // K
  uint32_t batch_words = 1000;
  double sample = 1e-2;         // high enough that frequent synthetic words are dropped
  uint64_t seed = 20240611;
  bool deterministic = false;
  float row_update_cap = 0;     // 0: none
  OutputLoss loss = OutputLoss::kNeg;
  bool output_bias = false;
};

inline std::vector<uint64_t> zipf_counts(uint32_t n) {
  std::vector<uint64_t> c(n);
  for (uint32_t i = 0; i < n; ++i) c[i] = 1 + 20000 / (i + 1);
  return c;
}

inline TrainPlan test_plan(const PlanOptions& o, const std::vector<uint64_t>& counts) {
  TrainPlan p;
  p.type = o.type;
  p.dim = o.dim;
  p.window = o.window;
  p.negative = o.negative;
  p.group_size = o.group_size;
  p.group_negatives = o.group_negatives;
  p.batch_words = o.batch_words;
  p.threads = 1;
  p.epochs = 1;
  p.seed = o.seed;
  p.deterministic = o.deterministic;
  p.row_update_cap = o.row_update_cap;
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  p.keep.resize(counts.size());
  for (size_t w = 0; w < counts.size(); ++w) p.keep[w] = keep_probability(counts[w], total, o.sample);
  p.noise = AliasTable(counts, 0.75);
  p.loss = o.loss;
  p.output_bias = o.output_bias;
  if (o.loss == OutputLoss::kNce || o.loss == OutputLoss::kSoftmax) p.log_noise = noise_log_probabilities(counts, 0.75);
  return p;
}

// Sentences of 1..max_len Zipf-distributed words, each ended by kSentenceBreak.
inline std::vector<uint32_t> synthetic_tokens(const std::vector<uint64_t>& counts, size_t words,
                                              uint32_t max_len, uint32_t seed) {
  std::mt19937 rng(seed);
  std::discrete_distribution<uint32_t> word(counts.begin(), counts.end());
  std::uniform_int_distribution<uint32_t> len(1, max_len);
  std::vector<uint32_t> t;
  size_t done = 0;
  while (done < words) {
    const uint32_t l = len(rng);
    for (uint32_t i = 0; i < l; ++i) t.push_back(word(rng));
    t.push_back(kSentenceBreak);
    done += l;
  }
  return t;
}

// synthetic_tokens as text, words named w<id>, a line per sentence.
inline std::string synthetic_text(uint32_t vocab, size_t words, uint32_t seed) {
  const auto counts = zipf_counts(vocab);
  const auto t = synthetic_tokens(counts, words, 30, seed);
  std::string s;
  for (uint32_t w : t) s += w == kSentenceBreak ? std::string("\n") : "w" + std::to_string(w) + " ";
  return s;
}

// A real token cache of some text, for what trains through TokenCache.
struct CacheOnDisk {
  std::string dir;
  TokenCache cache;
  Vocab vocab;
};

// Writes `text` under the test temp dir in a folder named by `name` (unique per test: ctest runs
// tests side by side) and builds its token cache, every word in the vocab.
inline CacheOnDisk cache_from_text(const std::string& text, const std::string& name) {
  CacheOnDisk c;
  c.dir = ::testing::TempDir() + "/gemmvec_pipeline_" + name;
  std::string cmd = "mkdir -p " + c.dir;
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot create " + c.dir);
  const std::string corpus = c.dir + "/corpus.txt";
  std::ofstream(corpus) << text;
  std::unordered_map<std::string, uint64_t> counts;
  std::istringstream in(text);
  std::string w;
  while (in >> w) ++counts[w];
  c.vocab = Vocab::from_counts(counts, 1, 0);
  DataConfig data;
  TokenCache::build({corpus}, c.vocab, data, c.dir + "/corpus.tokens");
  c.cache = TokenCache::open(c.dir + "/corpus.tokens");
  return c;
}

// Progress options for `epochs` epochs over a cache, at the default learning rate.
inline RunControlOptions epochs_over(const TokenCache& cache, uint32_t epochs) {
  RunControlOptions po;
  po.words_per_epoch = cache.words();
  po.raw_words_per_epoch = cache.raw_words();
  po.epochs = epochs;
  return po;
}

// Values of either sign with magnitude in [0.1, 1] * c, c chosen so that scores are O(1).
inline Embeddings random_embeddings(uint32_t rows, uint32_t dim, uint32_t seed, bool bias = false) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mag(0.1f, 1.0f);
  std::bernoulli_distribution neg(0.5);
  const float c = static_cast<float>(std::sqrt(1.0 / (0.37 * std::sqrt(static_cast<double>(dim)))));
  Embeddings e;
  e.rows = rows;
  e.dim = dim;
  e.in.resize(size_t(rows) * dim);
  e.out.resize(size_t(rows) * dim);
  for (auto* m : {&e.in, &e.out})
    for (float& x : *m) x = (neg(rng) ? -1.0f : 1.0f) * mag(rng) * c;
  if (bias) {
    e.out_bias.resize(rows);
    for (float& x : e.out_bias) x = (neg(rng) ? -1.0f : 1.0f) * mag(rng);
  }
  return e;
}

// ---- the float64 reference -------------------------------------------------------------------

// One pair of the expansion, with where it came from. Not reference_step.h's RefPair: two
// structs of one name in one test binary break the ODR (their vector code gets merged).
struct ExpandedPair {
  uint64_t center_pos;
  std::vector<uint64_t> context_pos;
  std::vector<uint32_t> inputs;  // context words (skip-gram: one)
  uint32_t output;               // center word
  uint64_t group;
};

struct RefExpansion {
  std::vector<uint64_t> kept;  // positions
  std::vector<ExpandedPair> pairs;  // in center order, contexts ascending
  std::map<uint64_t, std::vector<uint32_t>> negatives;  // group id -> K words
};

// Subsampling, reduced windows and pairs of one batch, written from docs/algorithm.md.
inline RefExpansion reference_expansion(const TrainPlan& plan, const uint32_t* tokens, size_t n,
                                        uint64_t base, uint32_t epoch) {
  RefExpansion x;
  struct Kept {
    uint64_t pos;
    uint32_t word, span;
  };
  std::vector<Kept> sentence;
  auto flush = [&] {
    for (size_t a = 0; a < sentence.size(); ++a) {
      const size_t span = sentence[a].span;
      const size_t first = a >= span ? a - span : 0;
      const size_t last = std::min(sentence.size() - 1, a + span);
      ExpandedPair cbow{sentence[a].pos, {}, {}, sentence[a].word, sentence[a].pos / plan.group_size};
      for (size_t c = first; c <= last; ++c) {
        if (c == a) continue;
        if (plan.type == ModelType::kSkipGram)
          x.pairs.push_back(ExpandedPair{sentence[a].pos, {sentence[c].pos}, {sentence[c].word}, sentence[a].word,
                                    sentence[a].pos / plan.group_size});
        cbow.context_pos.push_back(sentence[c].pos);
        cbow.inputs.push_back(sentence[c].word);
      }
      if (plan.type == ModelType::kCbow && !cbow.inputs.empty()) x.pairs.push_back(cbow);
      const uint64_t g = sentence[a].pos / plan.group_size;
      if (!x.negatives.count(g)) {
        std::vector<uint32_t>& neg = x.negatives[g];
        for (uint32_t j = 0; j < plan.group_negatives; ++j)
          neg.push_back(draw_negative(plan.noise.view(), plan.seed, epoch, g, j));
      }
    }
    sentence.clear();
  };
  for (size_t i = 0; i < n; ++i) {
    if (tokens[i] == kSentenceBreak) {
      flush();
      continue;
    }
    const Philox4 r = philox(plan.seed, Purpose::kToken, epoch, base + i);
    if (!(to_unit(r.x) < plan.keep[tokens[i]])) continue;
    x.kept.push_back(base + i);
    sentence.push_back(Kept{base + i, tokens[i], plan.window - r.y % plan.window});
  }
  flush();
  return x;
}

// The pairs of an expansion as (center, context) positions, one per context word in CBOW too:
// what a backend's trace records.
struct FlatPairs {
  std::vector<uint64_t> center, context;
};

inline FlatPairs flat_pairs(const RefExpansion& x) {
  FlatPairs f;
  for (const ExpandedPair& p : x.pairs)
    for (uint64_t c : p.context_pos) {
      f.center.push_back(p.center_pos);
      f.context.push_back(c);
    }
  return f;
}

struct RefModel {
  uint32_t rows = 0, dim = 0;
  std::vector<double> in, out;          // after the step
  std::vector<double> bias, bias_mag;   // output biases after the step, and their update magnitudes
  std::vector<double> in_mag, out_mag;  // sum of |terms| added to each element
  std::vector<double> in_adds, out_adds;  // (rows) pair-updates summed into each row: a bound
                                          // on the float additions the atomic scatter makes there
  double loss = 0;
  uint64_t pairs = 0;
};

// One step of the GEMM pipeline's contract: every score from the rows before the batch, then
// every gradient summed into the rows.
inline RefModel reference_batch_step(const TrainPlan& plan, const Embeddings& before, const RefExpansion& x,
                                     double lr) {
  const uint32_t d = before.dim;
  RefModel m;
  m.rows = before.rows;
  m.dim = d;
  m.in.assign(before.in.begin(), before.in.end());
  m.out.assign(before.out.begin(), before.out.end());
  m.in_mag.assign(m.in.size(), 0.0);
  m.out_mag.assign(m.out.size(), 0.0);
  m.bias.assign(before.out_bias.begin(), before.out_bias.end());
  m.bias_mag.assign(m.bias.size(), 0.0);
  std::vector<double> din(m.in.size(), 0.0), dout(m.out.size(), 0.0), dbias(m.bias.size(), 0.0);
  auto in_row = [&](uint32_t w) { return before.in.data() + size_t(w) * d; };
  auto out_row = [&](uint32_t w) { return before.out.data() + size_t(w) * d; };
  const double kw = double(plan.negative) / double(plan.group_negatives);
  RefLoss L;
  L.kind = plan.loss;
  L.neg_weight = kw;
  L.log_k = std::log(double(plan.loss == OutputLoss::kSoftmax ? plan.group_negatives : plan.negative));
  L.remove_hits = plan.remove_hits;
  L.log_q.assign(plan.log_noise.begin(), plan.log_noise.end());
  for (const ExpandedPair& p : x.pairs) {
    std::vector<double> u(d, 0.0), du(d, 0.0);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) u[i] += in_row(w)[i];
    for (uint32_t i = 0; i < d; ++i) u[i] /= double(p.inputs.size());
    auto dot = [&](uint32_t o) {
      double s = m.bias.empty() ? 0.0 : double(before.out_bias[o]);
      for (uint32_t i = 0; i < d; ++i) s += u[i] * out_row(o)[i];
      return s;
    };
    auto apply_out = [&](uint32_t w, double e) {
      for (uint32_t i = 0; i < d; ++i) {
        du[i] += e * out_row(w)[i];
        dout[size_t(w) * d + i] += e * u[i];
        m.out_mag[size_t(w) * d + i] += std::fabs(e * u[i]);
      }
      if (!m.bias.empty()) {
        dbias[w] += e;
        m.bias_mag[w] += std::fabs(e);
      }
    };
    const std::vector<uint32_t>& samples = x.negatives.at(p.group);
    std::vector<double> s;
    for (uint32_t n : samples) s.push_back(dot(n));
    const RefPairLoss r = ref_pair_loss(L, p.output, dot(p.output), samples, s);
    m.loss += r.loss;
    apply_out(p.output, -lr * r.d_pos);
    for (size_t j = 0; j < samples.size(); ++j)
      if (r.d_neg[j] != 0.0) apply_out(samples[j], -lr * r.d_neg[j]);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) {
        din[size_t(w) * d + i] += du[i];
        m.in_mag[size_t(w) * d + i] += std::fabs(du[i]);
      }
    ++m.pairs;
  }
  // The cap on stale updates: a row summing n pair-updates gets min(1, cap / n) of its sum
  // (one per pair for inputs and centers, k/K per pair for each of the group's negatives).
  std::vector<double> n_in(m.rows, 0.0), n_out(m.rows, 0.0);
  m.in_adds.assign(m.rows, 0.0);
  m.out_adds.assign(m.rows, 0.0);
  for (const ExpandedPair& p : x.pairs) {
    for (uint32_t w : p.inputs) n_in[w] += 1, m.in_adds[w] += 1;
    n_out[p.output] += 1, m.out_adds[p.output] += 1;
    for (uint32_t n : x.negatives.at(p.group)) n_out[n] += kw, m.out_adds[n] += 1;
  }
  const double cap = plan.row_update_cap;
  auto scale = [cap](double n) { return cap > 0 && n > cap ? cap / n : 1.0; };
  for (size_t i = 0; i < m.in.size(); ++i) {
    m.in[i] += din[i] * scale(n_in[i / d]);
    m.in_mag[i] *= scale(n_in[i / d]);
  }
  for (size_t i = 0; i < m.out.size(); ++i) {
    m.out[i] += dout[i] * scale(n_out[i / d]);
    m.out_mag[i] *= scale(n_out[i / d]);
  }
  for (size_t w = 0; w < m.bias.size(); ++w) {
    m.bias[w] += dbias[w] * scale(n_out[w]);
    m.bias_mag[w] *= scale(n_out[w]);
  }
  return m;
}

// |got - want| <= eps * (magnitude of what was added) + (rounding of the float result): the
// relative error of the update, measured against the terms summed into each element.
inline ::testing::AssertionResult matrices_match(const char* what, const std::vector<float>& got,
                                                 const std::vector<double>& want, const std::vector<double>& mag,
                                                 uint32_t dim, double eps, double* worst = nullptr,
                                                 const std::vector<double>* adds = nullptr) {
  size_t bad = 0;
  double worst_rel = 0;
  std::string first;
  for (size_t i = 0; i < want.size(); ++i) {
    const double err = std::fabs(double(got[i]) - want[i]);
    // Rounding of the float result: a few ulps, plus half an ulp per addition when the
    // scatter adds each term into the matrix itself (atomics) rather than a finished sum.
    const double ulps = adds ? 4.0 + 0.5 * (*adds)[i / dim] : 4.0;
    const double round = std::ldexp(std::fabs(want[i]) * ulps, -24);
    const double tol = eps * mag[i] + round;
    const double rel = err / (mag[i] + round / eps + 1e-300);
    worst_rel = std::max(worst_rel, rel);
    if (err > tol) {
      if (bad < 8)
        first += std::string("\n  ") + what + "[" + std::to_string(i / dim) + "][" + std::to_string(i % dim) +
                 "]: got " + std::to_string(got[i]) + " want " + std::to_string(want[i]) + " (update magnitude " +
                 std::to_string(mag[i]) + ")";
      ++bad;
    }
  }
  if (worst) *worst = worst_rel;
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << want.size() << " elements of " << what
                                       << " off by more than " << eps << " relative" << first;
}

}  // namespace gemmvec::test
