// gemmvec: the row kernels of the CPU steps, over rows of `dim` floats, several rows at a time
// so each vector load serves four multiply-adds. The compiler vectorises them inside each
// step, whose GV_CLONES builds an AVX2+FMA copy picked at run time where the CPU has it.
#pragma once
#include <cstdint>
#include <cstring>

#include "gemmvec/embeddings.h"

namespace gemmvec {

// GEMMVEC_NO_CLONES builds only the default (tests/: the step tests run that path too).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(GEMMVEC_NO_CLONES)
#define GV_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GV_CLONES
#endif
// Inlined into every clone of its caller, so it is compiled for that clone's target.
#define GV_ROW_KERNEL __attribute__((always_inline)) inline

// out[j] = u . rows[j] for j < m: four rows per pass over u, four independent sums.
GV_ROW_KERNEL void dots(const float* __restrict u, const float* const* rows, uint32_t m, uint32_t d,
                        float* __restrict out) {
  uint32_t j = 0;
  for (; j + 4 <= m; j += 4) {
    const float *__restrict r0 = rows[j], *__restrict r1 = rows[j + 1];
    const float *__restrict r2 = rows[j + 2], *__restrict r3 = rows[j + 3];
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
    for (uint32_t i = 0; i < d; ++i) {
      s0 += u[i] * r0[i];
      s1 += u[i] * r1[i];
      s2 += u[i] * r2[i];
      s3 += u[i] * r3[i];
    }
    out[j] = s0, out[j + 1] = s1, out[j + 2] = s2, out[j + 3] = s3;
  }
  for (; j < m; ++j) {
    const float* __restrict r = rows[j];
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (uint32_t i = 0; i < d; ++i) s += u[i] * r[i];
    out[j] = s;
  }
}

// y += sum_j a[j] * x[j] for j < m, four rows per pass over y.
GV_ROW_KERNEL void combine(const float* a, const float* const* x, uint32_t m, uint32_t d, float* __restrict y) {
  uint32_t j = 0;
  for (; j + 4 <= m; j += 4) {
    const float *__restrict x0 = x[j], *__restrict x1 = x[j + 1];
    const float *__restrict x2 = x[j + 2], *__restrict x3 = x[j + 3];
    const float a0 = a[j], a1 = a[j + 1], a2 = a[j + 2], a3 = a[j + 3];
#pragma omp simd
    for (uint32_t i = 0; i < d; ++i) y[i] += a0 * x0[i] + a1 * x1[i] + a2 * x2[i] + a3 * x3[i];
  }
  for (; j < m; ++j) {
    const float* __restrict xj = x[j];
    const float aj = a[j];
#pragma omp simd
    for (uint32_t i = 0; i < d; ++i) y[i] += aj * xj[i];
  }
}

// The input vector of a pair over inputs[0..n): the input row itself, or (CBOW) the mean of
// the rows, written to `mean` (dim floats).
GV_ROW_KERNEL const float* pair_input(Embeddings& m, const uint32_t* inputs, uint32_t n, float* __restrict mean) {
  if (n == 1) return m.in_row(inputs[0]);
  const uint32_t d = m.dim;
  std::memset(mean, 0, sizeof(float) * d);
  for (uint32_t c = 0; c < n; ++c) {
    const float* __restrict r = m.in_row(inputs[c]);
#pragma omp simd
    for (uint32_t i = 0; i < d; ++i) mean[i] += r[i];
  }
  const float inv = 1.0f / static_cast<float>(n);
  for (uint32_t i = 0; i < d; ++i) mean[i] *= inv;
  return mean;
}

// Adds a pair's input gradient to each of its input rows (CBOW: every context row, undivided,
// as word2vec.c).
GV_ROW_KERNEL void add_to_inputs(Embeddings& m, const uint32_t* inputs, uint32_t n, const float* __restrict du) {
  const uint32_t d = m.dim;
  for (uint32_t c = 0; c < n; ++c) {
    float* __restrict r = m.in_row(inputs[c]);
#pragma omp simd
    for (uint32_t i = 0; i < d; ++i) r[i] += du[i];
  }
}

}  // namespace gemmvec
