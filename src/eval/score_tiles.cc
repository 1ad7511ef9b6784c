// gemmvec: scores of a query block against a matrix, tile by tile (one sgemm a tile).
#include "eval/score_tiles.h"

#include <algorithm>

#include "base/blas.h"

namespace gemmvec {

void for_each_score_tile(const float* queries, size_t nq, const float* rows, size_t n_rows, size_t dim,
                         size_t tile_rows, std::vector<float>& tile, const ScoreTileFn& fn) {
  if (nq == 0) return;
  if (tile.size() < nq * std::min(tile_rows, n_rows)) tile.resize(nq * std::min(tile_rows, n_rows));
  for (size_t v0 = 0; v0 < n_rows; v0 += tile_rows) {
    const size_t nv = std::min(tile_rows, n_rows - v0);
    blas::sgemm(blas::Op::kN, blas::Op::kT, static_cast<int>(nq), static_cast<int>(nv), static_cast<int>(dim), 1.0f,
                queries, static_cast<int>(dim), rows + v0 * dim, static_cast<int>(dim), 0.0f, tile.data(),
                static_cast<int>(nv));
    fn(v0, nv, tile.data());
  }
}

}  // namespace gemmvec
