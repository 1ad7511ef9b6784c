// gemmvec: counter-based initialisation of the embedding matrices.
#include "gemmvec/embeddings.h"

#include "math/philox.h"

namespace gemmvec {

Embeddings init_embeddings(uint32_t rows, uint32_t dim, uint64_t seed) {
  Embeddings m;
  m.rows = rows;
  m.dim = dim;
  m.in.resize(static_cast<size_t>(rows) * dim);
  m.out.assign(static_cast<size_t>(rows) * dim, 0.0f);
  const float scale = 1.0f / static_cast<float>(dim);
  for (uint32_t w = 0; w < rows; ++w) {
    float* row = m.in_row(w);
    for (uint32_t i = 0; i < dim; i += 4) {
      const Philox4 r = philox(seed, Purpose::kInit, 0, w, i / 4);
      const uint32_t words[4] = {r.x, r.y, r.z, r.w};
      for (uint32_t j = 0; j < 4 && i + j < dim; ++j) row[i + j] = (to_unit(words[j]) - 0.5f) * scale;
    }
  }
  return m;
}

}  // namespace gemmvec
