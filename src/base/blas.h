// gemmvec: the BLAS calls (OpenBLAS), in one place, kept from a hang under an address-space
// limit (ulimit -v). OpenBLAS maps a work buffer per thread on its first call and, when the
// mapping fails, retries forever; its pthread build also starts its threads, each mapping a
// buffer, when the library is loaded. So: the executable lowers OpenBLAS's thread count to
// what the limit holds before the library starts, and the first call checks that the buffers
// fit, throwing ResourceError (exit 3) where they do not.
#pragma once
#include <string>

namespace gemmvec::blas {

enum class Op { kN, kT };

// Row-major C (m x n) = alpha op(A) op(B) + beta C, as cblas_sgemm(CblasRowMajor, ...).
void sgemm(Op ta, Op tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc);
// Row-major y (rows) = alpha A x + beta y, A rows x cols.
void sgemv(int rows, int cols, float alpha, const float* a, int lda, const float* x, float beta, float* y);

// "OpenBLAS 0.3.21 ... (2 threads)".
std::string describe();

// Under an address-space limit (RLIMIT_AS) that cannot hold a buffer for every thread OpenBLAS
// would start (OPENBLAS_NUM_THREADS, else one per core): executes this program again
// (/proc/self/exe, the same arguments) with OPENBLAS_NUM_THREADS set to the threads whose buffers
// fit in half the limit, at least 1. OpenBLAS reads it only when it is loaded, before main, so
// the executable calls this from its .preinit_array, which runs before every library's
// constructor, libc's included: nothing here needs libc set up beyond system calls and malloc.
void limit_threads_to_address_space(char** argv, char** envp);

}  // namespace gemmvec::blas
