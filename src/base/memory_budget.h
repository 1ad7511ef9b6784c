// gemmvec: whether the model fits in memory, checked before the matrices are allocated, so a
// dim or vocab too large is one clear error (exit 3) rather than an allocation failure or the
// OOM killer hours later.
#pragma once
#include <cstdint>

namespace gemmvec {

// Host bytes training needs: the input and output matrices (2 x vocab x dim float32) plus the
// per-word tables (subsampling keep probability, alias table: 12 bytes a word). UINT64_MAX if
// that overflows.
uint64_t training_bytes(uint64_t vocab, uint64_t dim);

// The memory this process may use: physical memory, lowered by RLIMIT_AS, RLIMIT_DATA and the
// memory limits of its cgroups and their ancestors (v2 memory.max, v1 memory.limit_in_bytes),
// where they are set.
uint64_t available_memory_bytes();

// Throws ResourceError naming the bytes, model.dim, the vocab size and the fix when
// training_bytes(vocab, dim) exceeds `available`.
void check_memory_budget(uint64_t vocab, uint64_t dim, uint64_t available);
inline void check_memory_budget(uint64_t vocab, uint64_t dim) {
  check_memory_budget(vocab, dim, available_memory_bytes());
}

}  // namespace gemmvec
