// gemmvec tests: a plain float64 reference of the hierarchical-softmax step (word2vec.c's
// `-hs 1` loop), written for clarity, not speed, and independently of the backends.
#pragma once
#include <cmath>
#include <cstdint>
#include <vector>

#include "reference_step.h"

namespace gemmvec::test {

// A word's path: the inner nodes from the root (rows of `out`) and the branch bit at each.
struct RefPath {
  std::vector<uint32_t> nodes;
  std::vector<int> code;
};

// Pairs one after another, as word2vec.c: for each node of the output word's path, the score,
// the node row's update and the input gradient from the row before it moves; then the input
// rows move. Returns the loss of the pairs, each at the rows as its turn found them.
inline double reference_hs_step(RefMatrices& m, const std::vector<RefPair>& pairs, const std::vector<RefPath>& paths,
                                double lr) {
  const uint32_t d = m.dim;
  double loss = 0;
  for (const RefPair& p : pairs) {
    std::vector<double> u(d, 0.0), du(d, 0.0);
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) u[i] += m.in_row(w)[i] / double(p.inputs.size());
    const RefPath& path = paths[p.output];
    for (size_t j = 0; j < path.nodes.size(); ++j) {
      double* v = m.out_row(path.nodes[j]);
      double s = 0;
      for (uint32_t i = 0; i < d; ++i) s += u[i] * v[i];
      const double label = 1.0 - path.code[j];  // bit 0: the sigmoid's side, bit 1: the other
      loss += -std::log(ref_sigmoid(label > 0 ? s : -s));
      const double g = lr * (label - ref_sigmoid(s));
      for (uint32_t i = 0; i < d; ++i) {
        du[i] += g * v[i];
        v[i] += g * u[i];
      }
    }
    for (uint32_t w : p.inputs)
      for (uint32_t i = 0; i < d; ++i) m.in_row(w)[i] += du[i];
  }
  return loss;
}

}  // namespace gemmvec::test
