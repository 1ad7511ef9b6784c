// gemmvec: the CPU group step. The loops run over rows of `dim` floats, several rows at a
// time so each vector load serves four multiply-adds; the compiler vectorises them, and
// target_clones picks AVX2+FMA at run time where the CPU has it.
#include "cpu/cpu_step.h"

#include <algorithm>
#include <cstring>

namespace gemmvec {
namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GV_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define GV_CLONES
#endif

// out[j] = u . rows[j] for j < m: four rows per pass over u, four independent sums.
__attribute__((always_inline)) inline void dots(const float* __restrict u, const float* const* rows, uint32_t m, uint32_t d,
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
__attribute__((always_inline)) inline void combine(const float* a, const float* const* x, uint32_t m, uint32_t d, float* __restrict y) {
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

}  // namespace

GV_CLONES
double cpu_group_step(Embeddings& m, const GroupPairs& g, const LossWeights& w, const float* log_q,
                      StepScratch& s, bool with_loss) {
  const uint32_t d = m.dim;
  const uint32_t pairs = g.pairs();
  const uint32_t k = static_cast<uint32_t>(g.negatives.size());
  const uint32_t n_outs = static_cast<uint32_t>(g.outs.size());
  const uint32_t stride = 1 + k;
  if (s.d_in.size() < size_t(pairs) * d) s.d_in.resize(size_t(pairs) * d);
  if (s.scores.size() < size_t(pairs) * stride) s.scores.resize(size_t(pairs) * stride);
  if (s.in_vec.size() < pairs) s.in_vec.resize(pairs);
  if (s.rows.size() < stride) s.rows.resize(stride);
  if (s.gather.size() < pairs) s.gather.resize(pairs);
  if (s.coef.size() < pairs) s.coef.resize(pairs);
  float* __restrict d_in = s.d_in.data();
  float* __restrict sc = s.scores.data();
  // Output rows of a pair: its center, then the K shared negatives.
  float** rows = s.rows.data();
  for (uint32_t j = 0; j < k; ++j) rows[1 + j] = m.out_row(g.negatives[j]);

  // Input vectors: the row itself, or the mean of the context rows (CBOW).
  if (g.inputs.size() != pairs && s.mean.size() < size_t(pairs) * d) s.mean.resize(size_t(pairs) * d);
  for (uint32_t p = 0; p < pairs; ++p) {
    const uint32_t b = g.input_begin[p], e = g.input_begin[p + 1];
    if (e - b == 1) {
      s.in_vec[p] = m.in_row(g.inputs[b]);
      continue;
    }
    float* h = s.mean.data() + size_t(p) * d;
    std::memset(h, 0, sizeof(float) * d);
    for (uint32_t c = b; c < e; ++c) {
      const float* r = m.in_row(g.inputs[c]);
#pragma omp simd
      for (uint32_t i = 0; i < d; ++i) h[i] += r[i];
    }
    const float inv = 1.0f / static_cast<float>(e - b);
    for (uint32_t i = 0; i < d; ++i) h[i] *= inv;
    s.in_vec[p] = h;
  }

  // Scores, all from the rows as they are before this step; then the coefficients E.
  float* bias = m.out_bias.empty() ? nullptr : m.out_bias.data();
  double loss = 0;
  for (uint32_t p = 0; p < pairs; ++p) {
    const uint32_t o = g.outs[g.out_of[p]];
    rows[0] = m.out_row(o);
    float* e = sc + p * stride;
    dots(s.in_vec[p], rows, stride, d, e);
    if (bias) {
      e[0] += bias[o];
      for (uint32_t j = 0; j < k; ++j) e[1 + j] += bias[g.negatives[j]];
    }
    loss += output_coefs(e[0], e + 1, g.negatives.data(), o, k, w, log_q, with_loss);
  }

  // Input gradients d_in = E V, from the output rows before they change.
  for (uint32_t p = 0; p < pairs; ++p) {
    rows[0] = m.out_row(g.outs[g.out_of[p]]);
    float* di = d_in + size_t(p) * d;
    std::memset(di, 0, sizeof(float) * d);
    combine(sc + p * stride, rows, stride, d, di);
  }

  // Output updates V += E^T U, in place: they read only U and E, so a row that appears twice
  // (a negative equal to another center) simply gets both updates.
  float* coef = s.coef.data();
  const float** in_vec = s.in_vec.data();
  for (uint32_t o = 0; o < n_outs; ++o) {
    uint32_t n = 0;
    for (uint32_t p = 0; p < pairs; ++p)
      if (g.out_of[p] == o) {
        coef[n] = sc[p * stride];
        s.gather[n++] = in_vec[p];
      }
    combine(coef, s.gather.data(), n, d, m.out_row(g.outs[o]));
  }
  for (uint32_t j = 0; j < k; ++j) {
    for (uint32_t p = 0; p < pairs; ++p) coef[p] = sc[p * stride + 1 + j];
    combine(coef, in_vec, pairs, d, m.out_row(g.negatives[j]));
  }

  // Biases move by their rows' coefficients.
  if (bias)
    for (uint32_t p = 0; p < pairs; ++p) {
      const float* e = sc + p * stride;
      bias[g.outs[g.out_of[p]]] += e[0];
      for (uint32_t j = 0; j < k; ++j) bias[g.negatives[j]] += e[1 + j];
    }

  // Input updates last: the output updates above read the inputs as they were.
  for (uint32_t p = 0; p < pairs; ++p) {
    const float* di = d_in + size_t(p) * d;
    for (uint32_t c = g.input_begin[p]; c < g.input_begin[p + 1]; ++c) {
      float* __restrict r = m.in_row(g.inputs[c]);
#pragma omp simd
      for (uint32_t i = 0; i < d; ++i) r[i] += di[i];
    }
  }
  return loss;
}

}  // namespace gemmvec
