// gemmvec: the fused step of the GEMM pipeline (train.step: fused), single source: one block per
// group tile, each phase a __host__ __device__ function over the block's threads between
// barriers. The platform runs a tile: on the GPU a kernel of kTileThreads threads with the tile
// in shared memory; on the host a loop over blocks with the tile in a host array (one "thread").
//
// A block takes one group: its K shared negatives' output rows stay in shared memory with
// their summed gradient. Skip-gram under neg or nce takes the group's centers in chunks of C
// (their output rows and gradients in the tile too) and, for each chunk, every position within
// the window as a context: a context word is read, scored against the centers it pairs with and
// once against the samples (weighted by its pairs), and its gradient scattered once. CBOW and
// softmax take the group's pairs in chunks of P (input rows, positive rows, the P x K scores,
// the coefficients). No U, dU or S buffer reaches global memory. Gradients are summed into
// per-row accumulators (W_in, W_out, biases) with atomics, and each row's count of
// pair-updates is kept beside them (the units of pipeline_steps.inl section 7); the first
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

// Centers per chunk of skip-gram's context tiles (FusedTiles::center_chunk): half the pairs.
GV_HD uint32_t tile_centers(uint32_t P) { return P / 2 > 0 ? P / 2 : 1; }

// Floats of shared memory a tile of K negatives, P pairs per chunk and dimension d takes.
GV_HD size_t tile_floats(uint32_t K, uint32_t P, uint32_t d) {
  const size_t C = tile_centers(P), second = P > 2 * C ? P : 2 * C;
  return 2 * size_t(K) * d + (size_t(P) + second) * d + size_t(P) * (K + C) + 5 * size_t(P) + K + C;
}

// u . v over d: vectorized on the host (the GPU gives each (pair, sample) a thread).
GV_HD float tile_dot(const float* u, const float* v, uint32_t d) {
  float s = 0.0f;
  GV_HOST_SIMD_SUM(s)
  for (uint32_t c = 0; c < d; ++c) s += u[c] * v[c];
  return s;
}

// Adds `amount` (> 0: a row left at 0 would be appended again) to a row's count; the row's
// first update appends it to the touched list.
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
  const StepInputs* in;       // the step's loss weights (its learning rate)
  uint32_t d, K, P;
  uint32_t window;            // a context lies within `window` kept positions of its center
  bool cbow;
  OutputLoss output_loss;
  float center_unit, negative_unit;  // count units: K per center pair, k per negative pair
  float* grad_in;    // (vocab, d) accumulators, zero outside touched rows
  float* grad_out;   // (vocab, d)
  float* grad_bias;  // (vocab), with b_out
  float* count_in;   // (vocab) pair-updates per row, zero outside touched rows
  float* count_out;  // (vocab)
  uint32_t* touched_in;   // rows of W_in with a count
  uint32_t* touched_out;  // rows of W_out with a count
  uint32_t* touched;      // (2) sizes of the two lists

  // The tile's arrays in its shared memory (tile_floats of them), and the group's samples.
  struct Tile {
    float* Vn;         // (K, d) the negatives' rows
    float* dVn;        // (K, d) their summed gradient
    float* U;          // (P, d) input rows of the chunk
    float* Vp;         // (P, d) the centers' output rows; or Vc, dVc (C, d) each
    float* S;          // (P, K) scores, then coefficients; or (P, C + K), centers first
    float* e;          // (P) positive score, then coefficient; or a context's pairs
    float* loss_part;  // (P) loss of each chunk slot, summed over chunks
    uint32_t* center;  // (P) kept index
    uint32_t* context;  // (P) kept index (pair chunks)
    uint32_t* run;     // (P) pairs of p's center from p on, if p is its first
    float* db;         // (K) the negatives' bias gradients
    float* dbc;        // (C) the centers' bias gradients
    const uint32_t* n;  // (K) the group's samples
  };

  // neg and nce score each word on its own, so skip-gram takes a group's contexts rather than
  // its pairs: a context word shared by several of the group's pairs is read, scored against
  // the samples and scattered once, weighted by its pairs. softmax couples a pair's samples,
  // and CBOW's inputs (window means) are not shared: they take the group's pairs in chunks.
  GV_HD bool contexts_once() const { return !cbow && output_loss != OutputLoss::kSoftmax; }

  template <class Block>
  GV_HD void operator()(uint32_t g, Block& blk) const {
    if (g >= counts->groups) return;  // the GPU's surplus blocks
    const uint32_t first = group_off[g], total = group_count[g];
    if (total == 0) return;  // centers alone in their sentences: nothing to score or count
    const uint32_t C = tile_centers(P);
    Tile t;
    t.Vn = blk.shared();
    t.dVn = t.Vn + size_t(K) * d;
    t.U = t.dVn + size_t(K) * d;
    t.Vp = t.U + size_t(P) * d;
    t.S = t.Vp + size_t(P > 2 * C ? P : 2 * C) * d;
    t.e = t.S + size_t(P) * (K + C);
    t.loss_part = t.e + P;
    t.center = reinterpret_cast<uint32_t*>(t.loss_part + P);
    t.context = t.center + P;
    t.run = t.context + P;
    t.db = reinterpret_cast<float*>(t.run + P);
    t.dbc = t.db + K;
    t.n = neg + size_t(g) * K;

    blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {
      t.Vn[j * d + col] = w_out[size_t(t.n[j]) * d + col];
      t.dVn[j * d + col] = 0.0f;
    });
    blk.phase(K > P ? K : P, [&](uint32_t i) {
      if (i < K) t.db[i] = 0.0f;
      if (i < P) t.loss_part[i] = 0.0f;
    });
    if (contexts_once()) {
      const uint32_t m = counts->m;
      const uint32_t k0 = upper_bound_u32(pair_off, m, first) - 1;  // the centers with pairs
      const uint32_t k1 = upper_bound_u32(pair_off, m, first + total - 1) - 1;
      for (uint32_t c0 = k0; c0 <= k1; c0 += C) center_chunk(blk, t, c0, k1 - c0 < C ? k1 - c0 + 1 : C);
    } else {
      for (uint32_t q0 = 0; q0 < total; q0 += P) pair_chunk(blk, t, first + q0, total - q0 < P ? total - q0 : P);
    }
    blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {  // the negatives' sums
      atomic_add(grad_out + size_t(t.n[j]) * d + col, t.dVn[j * d + col]);
    });
    blk.phase(K, [&](uint32_t j) {  // their counts and biases, and the tile's loss
      count_row(count_out, t.n[j], static_cast<float>(total) * negative_unit, touched_out, touched + 1);
      if (grad_bias) atomic_add(grad_bias + t.n[j], t.db[j]);
      if (j == 0) {
        double sum = 0.0;
        for (uint32_t p = 0; p < P; ++p) sum += t.loss_part[p];
        atomic_add(&counts->loss, sum);
      }
    });
  }

  // Pairs q..q+np: each one's center and context, and both rows (CBOW: the window's mean).
  template <class Block>
  GV_HD void gather_pairs(Block& blk, const Tile& t, uint32_t q, uint32_t np) const {
    const uint32_t m = counts->m;
    blk.phase(np, [&](uint32_t p) {
      const uint32_t pair = q + p;
      const uint32_t k = upper_bound_u32(pair_off, m, pair) - 1;
      uint32_t c = lo[k] + (pair - pair_off[k]);  // the t-th context, skipping the center
      if (c >= k) ++c;
      t.center[p] = k;
      t.context[p] = cbow ? k : c;
    });
    blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {
      const uint32_t k = t.center[p];
      t.Vp[p * d + col] = w_out[size_t(word[k]) * d + col];
      if (!cbow) {
        t.U[p * d + col] = w_in[size_t(word[t.context[p]]) * d + col];
        return;
      }
      float sum = 0.0f;
      for (uint32_t c = lo[k]; c <= hi[k]; ++c)
        if (c != k) sum += w_in[size_t(word[c]) * d + col];
      t.U[p * d + col] = sum / static_cast<float>(hi[k] - lo[k]);
    });
  }

  // The samples' gradients from the chunk's `rows` inputs, summed in the tile; their
  // coefficients are columns `col0`.. of S, `stride` to a row.
  template <class Block>
  GV_HD void sample_gradients(Block& blk, const Tile& t, uint32_t rows, uint32_t col0, uint32_t stride) const {
    blk.phase_rows(K, d, [&](uint32_t j, uint32_t col) {
      float sum = 0.0f;
      for (uint32_t p = 0; p < rows; ++p) sum += t.S[p * stride + col0 + j] * t.U[p * d + col];
      t.dVn[j * d + col] += sum;
    });
    if (grad_bias)
      blk.phase(K, [&](uint32_t j) {
        for (uint32_t p = 0; p < rows; ++p) t.db[j] += t.S[p * stride + col0 + j];
      });
  }

  // A chunk of pairs scored against the true word and the K samples together.
  // Each phase below the scores is one loop per element, so that the host's column loops vectorize.
  template <class Block>
  GV_HD void pair_chunk(Block& blk, const Tile& t, uint32_t q, uint32_t np) const {
    const LossWeights weights = in->weights;  // a local, which the loops keep in registers
    gather_pairs(blk, t, q, np);
    blk.phase(np * (K + 1), [&](uint32_t i) {  // scores: column K is the positive one
      const uint32_t p = i / (K + 1), j = i % (K + 1);
      const float s = tile_dot(t.U + size_t(p) * d, j == K ? t.Vp + size_t(p) * d : t.Vn + size_t(j) * d, d);
      if (j == K) t.e[p] = s + (b_out ? b_out[word[t.center[p]]] : 0.0f);
      else t.S[size_t(p) * K + j] = s + (b_out ? b_out[t.n[j]] : 0.0f);
    });
    blk.phase(np, [&](uint32_t p) {  // coefficients, loss, counts; runs of a center's pairs
      const uint32_t k = t.center[p], o = word[k];
      uint32_t r = 0;
      if (p == 0 || t.center[p - 1] != k)
        while (p + r < np && t.center[p + r] == k) ++r;
      t.run[p] = r;
      t.loss_part[p] += output_coefs(t.e[p], t.S + size_t(p) * K, t.n, o, K, weights, log_q, true);
      if (grad_bias) atomic_add(grad_bias + o, t.e[p]);
      count_row(count_out, o, center_unit, touched_out, touched + 1);
      if (!cbow) {
        count_row(count_in, word[t.context[p]], 1.0f, touched_in, touched);
        return;
      }
      for (uint32_t c = lo[k]; c <= hi[k]; ++c)
        if (c != k) count_row(count_in, word[c], 1.0f, touched_in, touched);
    });
    blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // du = e+ v_o + E Vn, over Vp
      const float* e = t.S + size_t(p) * K;
      float du = t.e[p] * t.Vp[p * d + col];
      for (uint32_t j = 0; j < K; ++j) du += e[j] * t.Vn[j * d + col];
      t.Vp[p * d + col] = du;
    });
    blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // a center's gradient, by its first pair
      float g = 0.0f;
      for (uint32_t q = p; q < p + t.run[p]; ++q) g += t.e[q] * t.U[q * d + col];
      if (t.run[p]) atomic_add(grad_out + size_t(word[t.center[p]]) * d + col, g);
    });
    blk.phase_rows(np, d, [&](uint32_t p, uint32_t col) {  // the inputs' gradients
      if (!cbow) {
        atomic_add(grad_in + size_t(word[t.context[p]]) * d + col, t.Vp[p * d + col]);
        return;
      }
      const uint32_t k = t.center[p];
      for (uint32_t c = lo[k]; c <= hi[k]; ++c)
        if (c != k) atomic_add(grad_in + size_t(word[c]) * d + col, t.Vp[p * d + col]);
    });
    sample_gradients(blk, t, np, 0, K);
  }

  // contexts_once: centers c0..c0+nc (C at most) with their output rows and gradients in the
  // tile, then every position within `window` of them as a context: each scored once against
  // the centers it pairs with (weight 1) and the samples (weight: its pairs, less those whose
  // true word is the sample with remove_hits), S holding the weighted coefficients.
  template <class Block>
  GV_HD void center_chunk(Block& blk, const Tile& t, uint32_t c0, uint32_t nc) const {
    const uint32_t C = tile_centers(P), W = C + K, m = counts->m;
    const LossWeights weights = in->weights;  // a local, which the loops keep in registers
    float* Vc = t.Vp;
    float* dVc = Vc + size_t(C) * d;
    blk.phase_rows(nc, d, [&](uint32_t c, uint32_t col) {
      Vc[c * d + col] = w_out[size_t(word[c0 + c]) * d + col];
      dVc[c * d + col] = 0.0f;
    });
    blk.phase(nc, [&](uint32_t c) {
      const uint32_t k = c0 + c;
      t.dbc[c] = 0.0f;
      if (hi[k] > lo[k])
        count_row(count_out, word[k], center_unit * static_cast<float>(hi[k] - lo[k]), touched_out, touched + 1);
    });
    const uint32_t x_end = c0 + nc - 1 + window < m ? c0 + nc + window : m;
    for (uint32_t x0 = c0 > window ? c0 - window : 0; x0 < x_end; x0 += P) {
      const uint32_t nx = x_end - x0 < P ? x_end - x0 : P;
      blk.phase(nx, [&](uint32_t i) {  // weights, and the context's count
        const uint32_t x = x0 + i;
        float* w = t.S + size_t(i) * W;
        for (uint32_t j = 0; j < W; ++j) w[j] = 0.0f;
        uint32_t pairs = 0;
        for (uint32_t c = 0; c < nc; ++c) {
          const uint32_t k = c0 + c;
          if (k == x || x < lo[k] || x > hi[k]) continue;
          ++pairs;
          w[c] = 1.0f;
          if (weights.remove_hits)
            for (uint32_t j = 0; j < K; ++j) w[C + j] -= t.n[j] == word[k] ? 1.0f : 0.0f;
        }
        for (uint32_t j = 0; j < K; ++j) w[C + j] += static_cast<float>(pairs);
        t.e[i] = static_cast<float>(pairs);
        if (pairs) count_row(count_in, word[x], static_cast<float>(pairs), touched_in, touched);
      });
      blk.phase_rows(nx, d, [&](uint32_t i, uint32_t col) {
        t.U[i * d + col] = t.e[i] != 0.0f ? w_in[size_t(word[x0 + i]) * d + col] : 0.0f;
      });
      blk.phase(nx * W, [&](uint32_t i) {  // weighted coefficients and losses
        const uint32_t p = i / W, j = i % W;
        const float weight = t.S[i];
        if (weight == 0.0f) return;
        const bool positive = j < C;
        const uint32_t v = positive ? word[c0 + j] : t.n[j - C];
        float s = tile_dot(t.U + size_t(p) * d, positive ? Vc + size_t(j) * d : t.Vn + size_t(j - C) * d, d) +
                  (b_out ? b_out[v] : 0.0f);
        const float loss = positive ? positive_coef(s, v, weights, log_q, true)
                                    : sample_coef(s, v, false, weights, log_q, true);
        atomic_add(t.loss_part + p, weight * loss);
        t.S[i] = weight * s;
      });
      blk.phase_rows(nx, d, [&](uint32_t i, uint32_t col) {  // the contexts' gradients
        if (t.e[i] == 0.0f) return;
        const float* e = t.S + size_t(i) * W;
        float du = 0.0f;
        for (uint32_t c = 0; c < nc; ++c) du += e[c] * Vc[c * d + col];
        for (uint32_t j = 0; j < K; ++j) du += e[C + j] * t.Vn[j * d + col];
        atomic_add(grad_in + size_t(word[x0 + i]) * d + col, du);
      });
      blk.phase_rows(nc, d, [&](uint32_t c, uint32_t col) {  // the centers' gradients, summed in the tile
        float sum = 0.0f;
        for (uint32_t i = 0; i < nx; ++i) sum += t.S[i * W + c] * t.U[i * d + col];
        dVc[c * d + col] += sum;
      });
      if (grad_bias)
        blk.phase(nc, [&](uint32_t c) {
          for (uint32_t i = 0; i < nx; ++i) t.dbc[c] += t.S[i * W + c];
        });
      sample_gradients(blk, t, nx, C, W);
    }
    blk.phase_rows(nc, d, [&](uint32_t c, uint32_t col) {
      const uint32_t k = c0 + c;
      if (hi[k] > lo[k]) atomic_add(grad_out + size_t(word[k]) * d + col, dVc[c * d + col]);
    });
    if (grad_bias)
      blk.phase(nc, [&](uint32_t c) {
        const uint32_t k = c0 + c;
        if (hi[k] > lo[k]) atomic_add(grad_bias + word[k], t.dbc[c]);
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
