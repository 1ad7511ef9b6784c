// gemmvec: the held-out log-likelihood: pairs sampled from text, the full softmax tile by tile.
#include "eval/log_likelihood.h"

#include <algorithm>
#include <limits>

#include "math/philox.h"

namespace gemmvec {

HeldOutSampler::HeldOutSampler(const PairOptions& options) : opt_(options) {}

// Reservoir sampling (Vitter's algorithm R): pair i replaces a uniform slot j in [0, i] of a
// full sample when j < max_pairs, so every pair is kept with probability max_pairs / seen.
HeldOutPair* HeldOutSampler::place() {
  const uint64_t i = out_.seen++;
  if (opt_.max_pairs == 0 || out_.pairs.size() < opt_.max_pairs) return &out_.pairs.emplace_back();
  const Philox4 r = philox(opt_.seed, Purpose::kHeldOut, 0, i);
  const uint64_t bits = uint64_t{r.x} | uint64_t{r.y} << 32;
  const auto j = static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * (i + 1)) >> 64);
  return j < opt_.max_pairs ? &out_.pairs[j] : nullptr;
}

void HeldOutSampler::add_sentence(const uint32_t* ids, size_t n) {
  const size_t w = opt_.window;
  for (size_t c = 0; c < n; ++c) {
    const size_t lo = c > w ? c - w : 0, hi = std::min(n, c + w + 1);
    if (opt_.cbow) {
      if (hi - lo < 2) continue;  // no context
      if (HeldOutPair* p = place()) {
        p->inputs.clear();
        for (size_t j = lo; j < hi; ++j)
          if (j != c) p->inputs.push_back(ids[j]);
        p->output = ids[c];
      }
      continue;
    }
    for (size_t j = lo; j < hi; ++j) {
      if (j == c) continue;
      if (HeldOutPair* p = place()) {
        p->inputs.assign(1, ids[c]);
        p->output = ids[j];
      }
    }
  }
}

void FullSoftmaxScorer::score(const float* u, size_t n, const uint32_t* words, double* log_p,
                              double* log_z) const {
  // Per input, the running log-sum-exp as (top, sum): Z = exp(top) * sum.
  std::vector<double> top(n, -std::numeric_limits<double>::infinity()), sum(n, 0.0), s_true(n, 0.0);
  std::vector<float> tile;
  for_each_score_tile(u, n, layer_.weights, layer_.rows, layer_.dim, tile_rows_, tile, [&](size_t v0, size_t nv, float* t) {
    for (size_t q = 0; q < n; ++q) {
      float* s = t + q * nv;
      if (layer_.bias)
        for (size_t j = 0; j < nv; ++j) s[j] += layer_.bias[v0 + j];
      if (words[q] >= v0 && words[q] < v0 + nv) s_true[q] = s[words[q] - v0];
      const double m = *std::max_element(s, s + nv);
      double z = 0;
      for (size_t j = 0; j < nv; ++j) z += std::exp(static_cast<double>(s[j]) - m);
      if (m > top[q]) {
        sum[q] = sum[q] * std::exp(top[q] - m) + z;
        top[q] = m;
      } else {
        sum[q] += z * std::exp(m - top[q]);
      }
    }
  });
  for (size_t q = 0; q < n; ++q) {
    log_z[q] = top[q] + std::log(sum[q]);
    log_p[q] = s_true[q] - log_z[q];
  }
}

LogLikelihood log_likelihood(const HeldOutPairs& pairs, const float* in, uint32_t dim, const OutputScorer& scorer,
                             size_t block, const StopCheck& stop) {
  LogLikelihood result;
  result.pairs = pairs.pairs.size();
  result.pairs_seen = pairs.seen;
  std::vector<float> u(block * dim);  // (block, dim): each pair's input vector
  std::vector<uint32_t> words(block);
  std::vector<double> log_p(block), log_z(block);
  double sum_p = 0, sum_z = 0;
  for (size_t b0 = 0; b0 < pairs.pairs.size(); b0 += block) {
    stop_point(stop);
    const size_t nb = std::min(block, pairs.pairs.size() - b0);
    for (size_t i = 0; i < nb; ++i) {
      const HeldOutPair& p = pairs.pairs[b0 + i];
      float* x = u.data() + i * dim;
      std::fill(x, x + dim, 0.0f);
      for (uint32_t id : p.inputs) {
        const float* row = in + static_cast<size_t>(id) * dim;
        for (uint32_t k = 0; k < dim; ++k) x[k] += row[k];
      }
      const float scale = 1.0f / static_cast<float>(p.inputs.size());
      for (uint32_t k = 0; k < dim; ++k) x[k] *= scale;
      words[i] = p.output;
    }
    scorer.score(u.data(), nb, words.data(), log_p.data(), log_z.data());
    for (size_t i = 0; i < nb; ++i) {
      sum_p += log_p[i];
      sum_z += log_z[i];
    }
  }
  if (result.pairs) {
    result.mean_log_p = sum_p / static_cast<double>(result.pairs);
    result.mean_log_z = sum_z / static_cast<double>(result.pairs);
  }
  return result;
}

}  // namespace gemmvec
