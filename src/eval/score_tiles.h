// gemmvec: a block of queries scored against every row of a matrix, one tile of rows per GEMM,
// so the scores never need a (queries, rows) buffer: what the analogy search and the held-out
// log-likelihood both do over the whole vocabulary.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

namespace gemmvec {

// Rows per GEMM: a 256-query tile of scores (4 MB) stays in cache.
inline constexpr size_t kScoreTileRows = 4096;

// Called per tile with its first row v0, its row count nv and the scores (queries, nv), row-major:
// tile[q * nv + j] = queries[q] . rows[v0 + j]. The buffer may be changed; it is reused.
using ScoreTileFn = std::function<void(size_t v0, size_t nv, float* tile)>;

// queries (nq, dim) against rows (n_rows, dim), both row-major, tile_rows rows at a time (the
// last tile may be shorter); `tile` is the scratch buffer, grown as needed.
void for_each_score_tile(const float* queries, size_t nq, const float* rows, size_t n_rows, size_t dim,
                         size_t tile_rows, std::vector<float>& tile, const ScoreTileFn& fn);

}  // namespace gemmvec
