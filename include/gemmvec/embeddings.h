// gemmvec: the two embedding matrices of a model, row-major on the host.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace gemmvec {

struct Embeddings {
  uint32_t rows = 0;          // vocabulary size
  uint32_t dim = 0;
  std::vector<float> in;      // (rows, dim) input vectors, word2vec.c's syn0: what users keep
  std::vector<float> out;     // (rows, dim) output vectors: syn1neg, or syn1 (tree nodes) for hs
  std::vector<float> out_bias;  // (rows) output biases (model.output_bias), else empty

  float* in_row(uint32_t w) { return in.data() + static_cast<size_t>(w) * dim; }
  float* out_row(uint32_t w) { return out.data() + static_cast<size_t>(w) * dim; }
};

// word2vec.c's initialisation, but counter-based: in[w][i] uniform in [-0.5, 0.5) / dim drawn
// from Philox(seed, kInit, 0, w, i / 4); out = 0.
Embeddings init_embeddings(uint32_t rows, uint32_t dim, uint64_t seed);

}  // namespace gemmvec
