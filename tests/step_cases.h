// gemmvec tests: the inputs of the CPU step tests (random rows, random groups of pairs) and the
// comparison of a float step's update with the float64 reference's.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "cpu/cpu_step.h"
#include "reference_step.h"

namespace gemmvec::test {

inline Embeddings random_embeddings(uint32_t rows, uint32_t dim, uint32_t seed) {
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

inline RefMatrices to_ref(const Embeddings& m) {
  RefMatrices r;
  r.rows = m.rows;
  r.dim = m.dim;
  r.in.assign(m.in.begin(), m.in.end());
  r.out.assign(m.out.begin(), m.out.end());
  r.bias.assign(m.out_bias.begin(), m.out_bias.end());
  return r;
}

// A random group: `centers` outputs, each with `ctx` pairs (skip-gram) or one CBOW pair of
// `ctx` inputs; ids drawn from a small vocab so rows repeat and negatives collide.
struct Case {
  GroupPairs group;
  std::vector<RefPair> ref;
};

inline Case random_group(bool cbow, uint32_t centers, uint32_t ctx, uint32_t k, uint32_t vocab, uint32_t seed) {
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
  if (k) c.group.negatives[0] = c.group.outs[0];  // always exercise the collision mask
  return c;
}

// Compares the updates (after - before) of float and float64, as abs + |ref| * eps with the
// absolute part scaled to the largest update; prints the first few mismatches.
inline void expect_same_update(const std::vector<float>& before, const std::vector<float>& after,
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

}  // namespace gemmvec::test
