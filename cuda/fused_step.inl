// gemmvec: the fused step of the GEMM pipeline (train.step: fused), single source: one block per
// group tile, each phase a __host__ __device__ function over the block's threads between
// barriers. The platform runs a tile: on the GPU a kernel of kTileThreads threads with the tile
// in shared memory; on the host a loop over blocks with the tile in a host array (one "thread").
//
// A block takes one group: its K shared negatives' output rows stay in shared memory with
// their summed gradient; its pairs go through in chunks of P (input rows, positive rows, the
// P x K scores, the coefficients), so no U, dU or S buffer reaches global memory. Gradients
// are summed into per-row accumulators (W_in, W_out, biases) with atomics (a center's output
// gradient summed over its pairs in the chunk first, the negatives' over the whole tile), and
// each row's count
// of pair-updates is kept beside them (the units of pipeline_steps.inl section 7); the first
// update of a row puts it on a touched list. Then each touched row gets its sum once, scaled by
// the cap, and its accumulator and count go back to zero: no step costs O(vocabulary).
// Every score reads the rows as they were before the step, as in the GEMM step (its twin).
#pragma once
#ifndef GV_PIPELINE_NS
#error "include fused_step.inl from pipeline_steps.inl's users, after a platform header"
#endif
#include <cstdint>

#include "math/output_loss.h"

namespace gemmvec::GV_PIPELINE_NS {

// Floats of shared memory a tile of K negatives, P pairs per chunk and dimension d takes.
GV_HD size_t tile_floats(uint32_t K, uint32_t P, uint32_t d) {
  return 2 * size_t(K) * d + 2 * size_t(P) * d + size_t(P) * K + 5 * size_t(P) + K;
}

// u . v over d: vectorized on the host (the GPU gives each (pair, sample) a thread).
GV_HD float tile_dot(const float* u, const float* v, uint32_t d) {
  float s = 0.0f;
  GV_HOST_SIMD_SUM(s)
  for (uint32_t c = 0; c < d; ++c) s += u[c] * v[c];
  return s;
}

// Adds `amount` to a row's count; the row's first update appends it to the touched list.
GV_HD void count_row(float* count, uint32_t w, float amount, uint32_t* list, uint32_t* list_size) {
  if (atomic_add_old(count + w, amount) == 0.0f) list[atomic_inc(list_size)] = w;
}

struct FusedTiles {
  const float* w_in;
  const float* w_out;
  const float* b_out;  // (vocab) output biases, or null
  const float* log_q;  // (vocab) log Q, for nce and softmax
  const uint32_t* word;       // (m) word of each kept position
  const uint32_t* lo;         // (m) first context
  const uint32_t* hi;         // (m) last context
  const uint32_t* pair_off;   // (m) first pair of each center
  const uint32_t* group_off;  // (groups) first pair
  const uint32_t* group_count;  // (groups) pairs
  const uint32_t* neg;        // (groups, K)
  StepCounts* counts;         // m and groups of the step; the loss is summed into it
  uint32_t d, K, P;
  bool cbow;
  LossWeights weights;
  float center_unit, negative_unit;  // count units: K per center pair, k per negative pair
  float* grad_in;    // (vocab, d) accumulators, zero outside touched rows
  float* grad_out;   // (vocab, d)
  float* grad_bias;  // (vocab), with b_out
  float* count_in;   // (vocab) pair-updates per row, zero outside touched rows
  float* count_out;  // (vocab)
  uint32_t* touched_in;   // rows of W_in with a count
  uint32_t* touched_out;  // rows of W_out with a count
  uint32_t* touched;      // (2) sizes of the two lists

  template <class Block>
  GV_HD void operator()(uint32_t g, Block& blk) const {
    if (g >= counts->groups) return;  // the GPU's surplus blocks
    const uint32_t m = counts->m;
    float* Vn = blk.shared();                   // (K, d) the negatives' rows
    float* dVn = Vn + size_t(K) * d;            // (K, d) their summed gradient
    float* U = dVn + size_t(K) * d;             // (P, d) input rows of the chunk
    float* Vp = U + size_t(P) * d;              // (P, d) the centers' output rows
    float* S = Vp + size_t(P) * d;              // (P, K) scores, then coefficients
    float* e_pos = S + size_t(P) * K;           // (P) positive score, then coefficient
    float* loss_part = e_pos + P;               // (P) loss of each chunk slot, summed over chunks
    uint32_t* center = reinterpret_cast<uint32_t*>(loss_part + P);  // (P) kept index
    uint32_t* context = center + P;             // (P) kept index (skip-gram)
    uint32_t* run = context + P;                // (P) pairs of p's center from p on, if p is its first
    float* db = reinterpret_cast<float*>(run + P);  // (K) the negatives' bias gradients
    const uint32_t* n = neg + size_t(g) * K;
    const uint32_t first = group_off[g], total = group_count[g];

    blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {
      Vn[j * d + col] = w_out[size_t(n[j]) * d + col];
      dVn[j * d + col] = 0.0f;
    });
    blk.phase(K > P ? K : P, [&](uint32_t i) {
      if (i < K) db[i] = 0.0f;
      if (i < P) loss_part[i] = 0.0f;
    });
    for (uint32_t q0 = 0; q0 < total; q0 += P) {
      const uint32_t np = total - q0 < P ? total - q0 : P;
      blk.phase(np, [&](uint32_t p) {  // the chunk's pairs
        const uint32_t pair = first + q0 + p;
        const uint32_t k = upper_bound_u32(pair_off, m, pair) - 1;
        uint32_t c = lo[k] + (pair - pair_off[k]);  // the t-th context, skipping the center
        if (c >= k) ++c;
        center[p] = k;
        context[p] = cbow ? k : c;
      });
      blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // gathers
        const uint32_t k = center[p];
        Vp[p * d + col] = w_out[size_t(word[k]) * d + col];
        if (!cbow) {
          U[p * d + col] = w_in[size_t(word[context[p]]) * d + col];
          return;
        }
        float sum = 0.0f;
        for (uint32_t c = lo[k]; c <= hi[k]; ++c)
          if (c != k) sum += w_in[size_t(word[c]) * d + col];
        U[p * d + col] = sum / static_cast<float>(hi[k] - lo[k]);
      });
      blk.phase(np * (K + 1), [&](uint32_t i) {  // scores: column K is the positive one
        const uint32_t p = i / (K + 1), j = i % (K + 1);
        const float s = tile_dot(U + size_t(p) * d, j == K ? Vp + size_t(p) * d : Vn + size_t(j) * d, d);
        if (j == K) e_pos[p] = s + (b_out ? b_out[word[center[p]]] : 0.0f);
        else S[size_t(p) * K + j] = s + (b_out ? b_out[n[j]] : 0.0f);
      });
      blk.phase(np, [&](uint32_t p) {  // coefficients, loss, counts; runs of a center's pairs
        const uint32_t k = center[p], o = word[k];
        uint32_t r = 0;
        if (p == 0 || center[p - 1] != k)
          while (p + r < np && center[p + r] == k) ++r;
        run[p] = r;
        loss_part[p] += output_coefs(e_pos[p], S + size_t(p) * K, n, o, K, weights, log_q, true);
        if (grad_bias) atomic_add(grad_bias + o, e_pos[p]);
        count_row(count_out, o, center_unit, touched_out, touched + 1);
        if (!cbow) {
          count_row(count_in, word[context[p]], 1.0f, touched_in, touched);
          return;
        }
        for (uint32_t c = lo[k]; c <= hi[k]; ++c)
          if (c != k) count_row(count_in, word[c], 1.0f, touched_in, touched);
      });
      // Each phase below is one loop per element, so that the host's column loops vectorize.
      blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // du = e+ v_o + E Vn, over Vp
        const float* e = S + size_t(p) * K;
        float du = e_pos[p] * Vp[p * d + col];
        for (uint32_t j = 0; j < K; ++j) du += e[j] * Vn[j * d + col];
        Vp[p * d + col] = du;
      });
      blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // a center's gradient, by its first pair
        float g = 0.0f;
        for (uint32_t q = p; q < p + run[p]; ++q) g += e_pos[q] * U[q * d + col];
        if (run[p]) atomic_add(grad_out + size_t(word[center[p]]) * d + col, g);
      });
      blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // the inputs' gradients
        if (!cbow) {
          atomic_add(grad_in + size_t(word[context[p]]) * d + col, Vp[p * d + col]);
          return;
        }
        const uint32_t k = center[p];
        for (uint32_t c = lo[k]; c <= hi[k]; ++c)
          if (c != k) atomic_add(grad_in + size_t(word[c]) * d + col, Vp[p * d + col]);
      });
      blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {  // the negatives' gradients, summed in the tile
        float sum = 0.0f;
        for (uint32_t p = 0; p < np; ++p) sum += S[p * K + j] * U[p * d + col];
        dVn[j * d + col] += sum;
      });
      if (grad_bias)
        blk.phase(K, [&](uint32_t j) {
          for (uint32_t p = 0; p < np; ++p) db[j] += S[p * K + j];
        });
    }
    blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {  // the negatives' sums
      atomic_add(grad_out + size_t(n[j]) * d + col, dVn[j * d + col]);
    });
    blk.phase(K, [&](uint32_t j) {  // their counts and biases, and the tile's loss
      count_row(count_out, n[j], static_cast<float>(total) * negative_unit, touched_out, touched + 1);
      if (grad_bias) atomic_add(grad_bias + n[j], db[j]);
      if (j == 0) {
        double sum = 0.0;
        for (uint32_t p = 0; p < P; ++p) sum += loss_part[p];
        atomic_add(&counts->loss, sum);
      }
    });
  }
};

// Each touched row's summed update, scaled by the cap, into the matrix; the accumulator
// back to zero. Over (rows of the list, d); entries past the list's size do nothing.
struct ApplyRows {
  const uint32_t* list;
  const uint32_t* size;
  uint32_t d;
  const float* count;
  float cap;
  float* grad;
  float* w;
  float* grad_bias;  // with output biases (W_out only), else null
  float* b;
  GV_HD void operator()(size_t r, uint32_t col) const {
    if (r >= *size) return;
    const uint32_t row = list[r];
    const float scale = row_scale(count, row, cap);
    const size_t i = size_t(row) * d + col;
    w[i] += grad[i] * scale;
    grad[i] = 0.0f;
    if (grad_bias && col == 0) {
      b[row] += grad_bias[row] * scale;
      grad_bias[row] = 0.0f;
    }
  }
};

// After ApplyRows: the touched rows' counts back to zero.
struct ResetCounts {
  const uint32_t* list;
  const uint32_t* size;
  float* count;
  GV_HD void operator()(uint32_t r) const {
    if (r < *size) count[list[r]] = 0.0f;
  }
};

}  // namespace gemmvec::GV_PIPELINE_NS
