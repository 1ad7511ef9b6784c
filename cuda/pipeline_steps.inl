// gemmvec: the GEMM pipeline's steps, single source: __host__ __device__ functors run through Thrust
// with the platform's execution policy, and three batched GEMMs through the platform's BLAS.
// Included by pipeline_host.cc (g++, Thrust host system, OpenBLAS) and pipeline_cuda.cu
// (nvcc, cuBLAS) after their platform header; docs/algorithm.md is the contract.
//
// One step = one batch of whole sentences (n positions from corpus position `base`):
//   1. keep flags (philox kToken .x) -> compaction of kept words; sentence of each
//   2. reduced span (.y) -> context range [lo, hi] of each kept center -> pair counts -> scan
//   3. groups g = position / group_size, numbered by their first kept center; K negatives each
//   4. pairs laid out in GEMM slots of R rows: a group's pairs fill ceil(pairs / R) slots, R
//      chosen per batch to minimize padding plus per-slot cost (R = 1 is no padding at all)
//   5. gathers: U (rows, d) input rows (CBOW: context means), Vn (groups, K, d) negative rows
//   6. s+ = u . v_o per row; GEMM S_s = U_s Vn_g^T; E from S; GEMM dVn_s = E_s^T U_s;
//      dv_o = sum e+ u per center; GEMM dU_s = E_s Vn_g (into U); dU += e+ v_o
//   7. scatter-add into W_in and W_out: atomics, or (deterministic) sort by row and sum in order
// Every score reads the rows as they were before the step; every gradient is added after.
//
// What changes from step to step (the batch, its position and size, the epoch, the learning
// rate) is read from device memory (StepInputs), written before the step; the sizes of steps
// 1-3 (kept words m, pairs, groups) stay on the device (StepCounts). Launches are sized by the
// host's bound (the exact size on the host, the capacity on the GPU) and the surplus exits
// early, so the fused step (fused_step.inl) never waits for the host, and one recorded step
// (a CUDA graph) replays for every batch.
#pragma once
#ifndef GV_PIPELINE_NS
#error "define GV_PIPELINE_NS and include a platform header before pipeline_steps.inl"
#endif
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <thrust/binary_search.h>
#include <thrust/copy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sort.h>
#include <thrust/transform_reduce.h>
#include <thrust/transform_scan.h>

#include "train/alias_table.h"
#include "math/output_loss.h"
#include "math/philox.h"
#include "math/sampling.h"
#include "data/token_cache.h"
#include "pipeline.h"

namespace gemmvec::GV_PIPELINE_NS {

constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr uint64_t kNoKey = ~uint64_t(0);

using Index = thrust::counting_iterator<uint32_t>;
using BigIndex = thrust::counting_iterator<size_t>;

// Runs f(row, col) over a (rows, d) matrix: one thread per element on the GPU (coalesced), one
// loop per row on the host (no division per element). kRowLoops comes from the platform.
template <class F>
struct ByElement {
  F f;
  uint32_t d;
  GV_HD void operator()(size_t i) const { f(i / d, static_cast<uint32_t>(i % d)); }
};
template <class F>
struct ByRow {
  F f;
  uint32_t d;
  GV_HD void operator()(size_t r) const {
    for (uint32_t c = 0; c < d; ++c) f(r, c);
  }
};
template <class Policy, class F>
void for_each_element(const Policy& pol, size_t rows, uint32_t d, const F& f) {
  if constexpr (kRowLoops) thrust::for_each_n(pol, BigIndex(0), rows, ByRow<F>{f, d});
  else thrust::for_each_n(pol, BigIndex(0), rows * d, ByElement<F>{f, d});
}

// Index of the first element of a[0..n) greater than v (a ascending).
GV_HD uint32_t upper_bound_u32(const uint32_t* a, uint32_t n, uint32_t v) {
  uint32_t lo = 0, hi = n;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (a[mid] <= v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// ---- 1. keep flags, kept words --------------------------------------------------------------

// The step's inputs, in device memory: written before each step, read by its kernels, so that
// a recorded step replays on the next batch.
struct StepInputs {
  const uint32_t* tokens = nullptr;  // (n) the batch, in device memory
  uint64_t base = 0;                 // corpus position of tokens[0]
  uint32_t n = 0;
  uint32_t epoch = 0;
  LossWeights weights{};             // at this step's learning rate
};

// 1 at a sentence break; 0 past the batch (the GPU's surplus).
struct IsBreak {
  const StepInputs* in;
  GV_HD uint32_t operator()(uint32_t i) const { return i < in->n && in->tokens[i] == kSentenceBreak ? 1u : 0u; }
};

struct KeepTest {
  const StepInputs* in;
  const float* keep;
  uint64_t seed;
  GV_HD bool operator()(uint32_t i) const {
    if (i >= in->n) return false;
    const uint32_t w = in->tokens[i];
    if (w == kSentenceBreak) return false;
    return keep_token(token_draw(seed, in->epoch, in->base + i), keep[w]);
  }
};

// What steps 1-3 count, on the device; the loss and pairs since the host last read them.
struct StepCounts {
  uint32_t m = 0, pairs = 0, groups = 0;
  double loss = 0;         // summed by the fused step
  uint64_t pair_sum = 0;   // pairs of the steps since the last read
};

struct KeepFlag {
  KeepTest keep;
  GV_HD uint32_t operator()(uint32_t i) const { return keep(i) ? 1u : 0u; }
};

// kept_pos[j] = the j-th kept position, from the exclusive scan of the keep flags; m.
struct CompactKept {
  KeepTest keep;
  const uint32_t* kept_index;  // (n) kept positions before each
  uint32_t* kept_pos;
  StepCounts* counts;
  GV_HD void operator()(uint32_t i) const {
    const bool kept = keep(i);
    if (kept) kept_pos[kept_index[i]] = i;
    if (i + 1 == keep.in->n) counts->m = kept_index[i] + (kept ? 1u : 0u);
  }
};

struct KeptInfo {
  const StepCounts* counts;
  const StepInputs* in;
  const uint32_t* sentence;  // (n) breaks before each position
  const uint32_t* kept_pos;  // (m) batch index of each kept word
  uint32_t* word;            // (m)
  uint32_t* kept_sentence;   // (m)
  GV_HD void operator()(uint32_t k) const {
    if (k >= counts->m) return;
    const uint32_t p = kept_pos[k];
    word[k] = in->tokens[p];
    kept_sentence[k] = sentence[p];
  }
};

// ---- 2. windows and pair counts --------------------------------------------------------------

struct Windows {
  const StepCounts* counts;
  const StepInputs* in;
  const uint32_t* kept_pos;
  const uint32_t* kept_sentence;
  uint64_t seed;
  uint32_t window, group_size;
  bool cbow;
  uint32_t* lo;     // (m) first context (kept index)
  uint32_t* hi;     // (m) last context
  uint32_t* count;  // (m) pairs of the center
  uint64_t* gid;    // (m) global group id of the center
  GV_HD void operator()(uint32_t k) const {
    const uint32_t m = counts->m;
    if (k >= m) {  // (the GPU's surplus) no pairs, so that a scan over the capacity is right
      count[k] = 0;
      return;
    }
    const uint64_t pos = in->base + kept_pos[k];
    const uint32_t span = window_span(token_draw(seed, in->epoch, pos), window);
    const uint32_t s = kept_sentence[k];
    uint32_t a = k, b = k;
    while (a > 0 && k - a < span && kept_sentence[a - 1] == s) --a;
    while (b + 1 < m && b - k < span && kept_sentence[b + 1] == s) ++b;
    lo[k] = a;
    hi[k] = b;
    count[k] = cbow ? (b > a ? 1u : 0u) : b - a;
    gid[k] = pos / group_size;
  }
};

// ---- 3. groups and negatives -----------------------------------------------------------------

// 1 where center k+1 starts a new group: its exclusive scan numbers the groups.
struct NextStartsGroup {
  const StepCounts* counts;
  const uint64_t* gid;
  GV_HD uint32_t operator()(uint32_t k) const { return k + 1 < counts->m && gid[k + 1] != gid[k] ? 1u : 0u; }
};

// pairs and groups from the scans (one thread).
struct CountTotals {
  const uint32_t* pair_off;
  const uint32_t* count;
  const uint32_t* group;
  StepCounts* counts;
  GV_HD void operator()(uint32_t) const {
    const uint32_t m = counts->m;
    counts->pairs = m ? pair_off[m - 1] + count[m - 1] : 0u;
    counts->groups = m ? group[m - 1] + 1 : 0u;
    counts->pair_sum += counts->pairs;
  }
};

struct GroupStarts {
  const StepCounts* counts;
  const uint64_t* gid;
  const uint32_t* group;     // (m) group index of each center
  const uint32_t* pair_off;  // (m) first pair of each center
  uint64_t* group_id;        // (groups) global id
  uint32_t* group_off;       // (groups) first pair
  GV_HD void operator()(uint32_t k) const {
    if (k >= counts->m) return;
    if (k == 0 || gid[k] != gid[k - 1]) {
      group_id[group[k]] = gid[k];
      group_off[group[k]] = pair_off[k];
    }
  }
};

struct GroupCounts {
  const StepCounts* counts;
  const uint32_t* group_off;
  uint32_t* group_count;  // (groups)
  GV_HD void operator()(uint32_t g) const {
    const uint32_t groups = counts->groups;
    if (g >= groups) return;
    group_count[g] = (g + 1 < groups ? group_off[g + 1] : counts->pairs) - group_off[g];
  }
};

struct DrawNegatives {
  const StepCounts* counts;
  const StepInputs* in;
  AliasView noise;
  const uint64_t* group_id;
  uint64_t seed;
  uint32_t K;
  uint32_t* neg;  // (groups, K)
  GV_HD void operator()(uint32_t i) const {
    if (i / K >= counts->groups) return;
    neg[i] = draw_negative(noise, seed, in->epoch, group_id[i / K], i % K);
  }
};

// ---- 4. slots --------------------------------------------------------------------------------

constexpr int kRowChoices = 13;  // R = 1, 2, 4, ..., 4096
struct SlotCounts {
  uint64_t s[kRowChoices];
};
struct ToSlotCounts {
  GV_HD SlotCounts operator()(uint32_t c) const {
    SlotCounts r;
    for (int i = 0; i < kRowChoices; ++i) r.s[i] = (static_cast<uint64_t>(c) + (1u << i) - 1) >> i;
    return r;
  }
};
struct AddSlotCounts {
  GV_HD SlotCounts operator()(const SlotCounts& a, const SlotCounts& b) const {
    SlotCounts r;
    for (int i = 0; i < kRowChoices; ++i) r.s[i] = a.s[i] + b.s[i];
    return r;
  }
};

struct SlotsOfGroup {
  uint32_t R;
  GV_HD uint32_t operator()(uint32_t c) const { return (c + R - 1) / R; }
};

struct SlotInfo {
  const uint32_t* slot_off;  // (groups) first slot of each group
  uint32_t groups, R, K, d;
  float* U;
  float* Vn;
  float* SE;
  float* dVn;
  uint32_t* slot_group;  // (slots)
  float** u_ptr;         // (slots) U_s: R x d
  float** vn_ptr;        // (slots) Vn_g: K x d
  float** se_ptr;        // (slots) S_s / E_s: R x K
  float** dvn_ptr;       // (slots) dVn_s: K x d
  GV_HD void operator()(uint32_t s) const {
    const uint32_t g = upper_bound_u32(slot_off, groups, s) - 1;
    slot_group[s] = g;
    u_ptr[s] = U + static_cast<size_t>(s) * R * d;
    vn_ptr[s] = Vn + static_cast<size_t>(g) * K * d;
    se_ptr[s] = SE + static_cast<size_t>(s) * R * K;
    dvn_ptr[s] = dVn + static_cast<size_t>(s) * K * d;
  }
};

// First row of center k's pairs in the slot layout.
GV_HD uint32_t first_row(uint32_t k, const uint32_t* group, const uint32_t* slot_off,
                         const uint32_t* pair_off, const uint32_t* group_off, uint32_t R) {
  const uint32_t g = group[k];
  return slot_off[g] * R + (pair_off[k] - group_off[g]);
}

struct Expand {
  const uint32_t* lo;
  const uint32_t* hi;
  const uint32_t* count;
  const uint32_t* group;
  const uint32_t* slot_off;
  const uint32_t* pair_off;
  const uint32_t* group_off;
  uint32_t R;
  bool cbow;
  uint32_t* row_center;   // (rows) kept index of the center, kNone for padding
  uint32_t* row_context;  // (rows) skip-gram: kept index of the context
  GV_HD void operator()(uint32_t k) const {
    if (count[k] == 0) return;
    uint32_t r = first_row(k, group, slot_off, pair_off, group_off, R);
    if (cbow) {
      row_center[r] = k;
      row_context[r] = k;
      return;
    }
    for (uint32_t c = lo[k]; c <= hi[k]; ++c) {
      if (c == k) continue;
      row_center[r] = k;
      row_context[r] = c;
      ++r;
    }
  }
};

// ---- 5. gathers ------------------------------------------------------------------------------

struct GatherInputs {
  const float* w_in;
  const uint32_t* word;
  const uint32_t* lo;
  const uint32_t* hi;
  const uint32_t* row_center;
  const uint32_t* row_context;
  uint32_t d;
  bool cbow;
  float* U;  // (rows, d)
  GV_HD void operator()(size_t r, uint32_t col) const {
    const size_t i = r * d + col;
    const uint32_t k = row_center[r];
    if (k == kNone) {
      U[i] = 0.0f;
      return;
    }
    if (!cbow) {
      U[i] = w_in[static_cast<size_t>(word[row_context[r]]) * d + col];
      return;
    }
    float sum = 0.0f;
    for (uint32_t c = lo[k]; c <= hi[k]; ++c)
      if (c != k) sum += w_in[static_cast<size_t>(word[c]) * d + col];
    U[i] = sum / static_cast<float>(hi[k] - lo[k]);
  }
};

struct GatherRows {
  const float* w;
  const uint32_t* ids;  // (rows)
  uint32_t d;
  float* out;  // (rows, d)
  GV_HD void operator()(size_t r, uint32_t col) const {
    out[r * d + col] = w[static_cast<size_t>(ids[r]) * d + col];
  }
};

// ---- 6. scores and coefficients --------------------------------------------------------------

struct PositiveScores {
  const float* U;
  const float* w_out;
  const float* b_out;  // (vocab) output biases, or null
  const uint32_t* word;
  const uint32_t* row_center;
  uint32_t d;
  float* s_pos;  // (rows)
  GV_HD void operator()(uint32_t r) const {
    const uint32_t k = row_center[r];
    if (k == kNone) {
      s_pos[r] = 0.0f;
      return;
    }
    const float* u = U + static_cast<size_t>(r) * d;
    const float* v = w_out + static_cast<size_t>(word[k]) * d;
    float s = b_out ? b_out[word[k]] : 0.0f;
    for (uint32_t i = 0; i < d; ++i) s += u[i] * v[i];
    s_pos[r] = s;
  }
};

// S -> E in place, the positive coefficient, and the loss of each row (math/output_loss.h).
struct RowCoefs {
  const uint32_t* word;
  const uint32_t* row_center;
  const uint32_t* slot_group;
  const uint32_t* neg;
  const float* s_pos;
  const float* b_out;  // (vocab) output biases, or null
  const float* log_q;  // (vocab) log Q, for nce and softmax
  uint32_t R, K;
  LossWeights weights;
  float* SE;     // (rows, K)
  float* e_pos;  // (rows) 0 on padding rows
  float* loss;   // (rows)
  GV_HD void operator()(uint32_t r) const {
    float* e = SE + static_cast<size_t>(r) * K;
    const uint32_t k = row_center[r];
    if (k == kNone) {
      for (uint32_t j = 0; j < K; ++j) e[j] = 0.0f;
      e_pos[r] = 0.0f;
      loss[r] = 0.0f;
      return;
    }
    const uint32_t* n = neg + static_cast<size_t>(slot_group[r / R]) * K;
    if (b_out)
      for (uint32_t j = 0; j < K; ++j) e[j] += b_out[n[j]];
    float pos = s_pos[r];
    loss[r] = output_coefs(pos, e, n, word[k], K, weights, log_q, true);
    e_pos[r] = pos;
  }
};

// dv_o of each center: the sum of e+ u over its rows (in row order).
struct CenterGradients {
  const float* U;
  const float* e_pos;
  const uint32_t* count;
  const uint32_t* group;
  const uint32_t* slot_off;
  const uint32_t* pair_off;
  const uint32_t* group_off;
  uint32_t R, d;
  bool cbow;
  float* g_out;   // (m, d)
  float* g_bias;  // (m) the sum of e+ (the bias gradient), or null
  GV_HD void operator()(size_t center, uint32_t col) const {
    const uint32_t k = static_cast<uint32_t>(center);
    const size_t i = center * d + col;
    if (count[k] == 0) {
      g_out[i] = 0.0f;
      if (g_bias && col == 0) g_bias[k] = 0.0f;
      return;
    }
    const uint32_t r0 = first_row(k, group, slot_off, pair_off, group_off, R);
    const uint32_t rows = cbow ? 1u : count[k];
    float sum = 0.0f;
    for (uint32_t t = 0; t < rows; ++t) sum += e_pos[r0 + t] * U[static_cast<size_t>(r0 + t) * d + col];
    g_out[i] = sum;
    if (g_bias && col == 0) {
      float b = 0.0f;
      for (uint32_t t = 0; t < rows; ++t) b += e_pos[r0 + t];
      g_bias[k] = b;
    }
  }
};

// The bias gradient of each shared sample of a slot: the column sums of E_s (in row order).
struct SampleBiasGradients {
  const float* SE;
  uint32_t R, K;
  float* db;  // (slots, K)
  GV_HD void operator()(size_t row) const {  // row = slot * K + j
    const size_t s = row / K, j = row % K;
    float b = 0.0f;
    for (uint32_t t = 0; t < R; ++t) b += SE[(s * R + t) * K + j];
    db[row] = b;
  }
};

// dU += e+ v_o (after the GEMM wrote E Vn into U).
struct AddPositiveInput {
  const float* w_out;
  const uint32_t* word;
  const uint32_t* row_center;
  const float* e_pos;
  uint32_t d;
  float* dU;
  GV_HD void operator()(size_t r, uint32_t col) const {
    const uint32_t k = row_center[r];
    if (k == kNone) return;
    dU[r * d + col] += e_pos[r] * w_out[static_cast<size_t>(word[k]) * d + col];
  }
};

// ---- 7. per-row update counts, for the cap on stale updates ---------------------------------
//
// A step sums every pair's update computed from the same old rows; a frequent word's row can
// receive a thousand of them at once and overshoot (skip-gram diverges at batches of 4,096
// words). With plan.row_update_cap = c > 0, a row that sums n pair-updates in one step gets
// its sum scaled by min(1, c / n). Counts: one per pair for an input row (per context row in
// CBOW) and for a center's output row, k/K per pair for each of its group's negatives. Output
// counts are kept in units of 1/K (K per center pair, k per negative pair) so that every
// count is an integer: exact in float and the same whatever order the atomics add in. The
// counts are zero between steps: after the scatter the same functors, with `reset`, put the
// rows they counted back to zero, so no step touches the whole vocabulary.

GV_HD float row_scale(const float* count, uint32_t w, float cap) {
  if (cap <= 0.0f) return 1.0f;
  const float n = count[w];
  return n > cap ? cap / n : 1.0f;
}

// Adds v to a row's count, or with reset puts it back to zero.
GV_HD void count_add(float* count, float v, bool reset) {
  if (reset) *count = 0.0f;
  else atomic_add(count, v);
}

struct CountInputs {
  const uint32_t* word;
  const uint32_t* lo;
  const uint32_t* hi;
  const uint32_t* row_center;
  const uint32_t* row_context;
  bool cbow;
  float* count_in;
  bool reset;
  GV_HD void operator()(uint32_t r) const {
    const uint32_t k = row_center[r];
    if (k == kNone) return;
    if (!cbow) {
      count_add(count_in + word[row_context[r]], 1.0f, reset);
      return;
    }
    for (uint32_t c = lo[k]; c <= hi[k]; ++c)
      if (c != k) count_add(count_in + word[c], 1.0f, reset);
  }
};

struct CountCenters {
  const uint32_t* word;
  const uint32_t* count;
  float unit;  // K
  float* count_out;
  bool reset;
  GV_HD void operator()(uint32_t k) const {
    if (count[k]) count_add(count_out + word[k], static_cast<float>(count[k]) * unit, reset);
  }
};

struct CountNegatives {
  const uint32_t* slot_group;
  const uint32_t* slot_off;
  const uint32_t* group_count;
  const uint32_t* neg;
  uint32_t K, R;
  float unit;  // k
  float* count_out;
  bool reset;
  GV_HD void operator()(size_t row) const {  // row = slot * K + j
    const size_t s = row / K, j = row % K;
    const uint32_t g = slot_group[s];
    const uint32_t done = (static_cast<uint32_t>(s) - slot_off[g]) * R;
    const uint32_t rows = group_count[g] - done < R ? group_count[g] - done : R;
    count_add(count_out + neg[static_cast<size_t>(g) * K + j], static_cast<float>(rows) * unit, reset);
  }
};

// ---- 7a. scatter with atomics ----------------------------------------------------------------

struct ScatterInputs {
  const float* dU;
  const uint32_t* word;
  const uint32_t* lo;
  const uint32_t* hi;
  const uint32_t* row_center;
  const uint32_t* row_context;
  uint32_t d;
  bool cbow;
  const float* count_in;
  float cap;
  float* w_in;
  GV_HD void operator()(size_t r, uint32_t col) const {
    const size_t i = r * d + col;
    const uint32_t k = row_center[r];
    if (k == kNone) return;
    if (!cbow) {
      const uint32_t w = word[row_context[r]];
      atomic_add(w_in + static_cast<size_t>(w) * d + col, dU[i] * row_scale(count_in, w, cap));
      return;
    }
    for (uint32_t c = lo[k]; c <= hi[k]; ++c)
      if (c != k) atomic_add(w_in + static_cast<size_t>(word[c]) * d + col, dU[i] * row_scale(count_in, word[c], cap));
  }
};

struct ScatterCenters {
  const float* g_out;
  const float* g_bias;  // (m), with b_out
  const uint32_t* word;
  const uint32_t* count;
  uint32_t d;
  const float* count_out;
  float cap;
  float* w_out;
  float* b_out;  // (vocab) output biases, or null
  GV_HD void operator()(size_t k, uint32_t col) const {
    if (count[k] == 0) return;
    const float scale = row_scale(count_out, word[k], cap);
    atomic_add(w_out + static_cast<size_t>(word[k]) * d + col, g_out[k * d + col] * scale);
    if (b_out && col == 0) atomic_add(b_out + word[k], g_bias[k] * scale);
  }
};

struct ScatterNegatives {
  const float* dVn;
  const float* db;  // (slots, K), with b_out
  const uint32_t* slot_group;
  const uint32_t* neg;
  uint32_t K, d;
  const float* count_out;
  float cap;
  float* w_out;
  float* b_out;  // (vocab) output biases, or null
  GV_HD void operator()(size_t row, uint32_t col) const {  // row = slot * K + j
    const size_t s = row / K, j = row % K;
    const uint32_t n = neg[static_cast<size_t>(slot_group[s]) * K + j];
    const float scale = row_scale(count_out, n, cap);
    atomic_add(w_out + static_cast<size_t>(n) * d + col, dVn[row * d + col] * scale);
    if (b_out && col == 0) atomic_add(b_out + n, db[row] * scale);
  }
};

// ---- 7b. deterministic scatter: (destination, source) entries, stable sort, ordered sums -----

// key = matrix << 32 | word (matrix 0: W_in, 1: W_out); src = kind << 40 | row
// (kind 0: a row of dU, 1: of the center gradients, 2: of dVn).
GV_HD uint64_t entry_key(uint32_t matrix, uint32_t word) {
  return (static_cast<uint64_t>(matrix) << 32) | word;
}
GV_HD uint64_t entry_src(uint32_t kind, uint64_t row) { return (static_cast<uint64_t>(kind) << 40) | row; }

struct InputEntries {
  const uint32_t* word;
  const uint32_t* lo;
  const uint32_t* hi;
  const uint32_t* row_center;
  const uint32_t* row_context;
  uint32_t per_row;  // 1 (skip-gram) or 2 * window (CBOW: one entry per context)
  bool cbow;
  uint64_t* key;
  uint64_t* src;
  GV_HD void operator()(size_t e) const {
    const size_t r = e / per_row;
    const uint32_t t = static_cast<uint32_t>(e % per_row);
    const uint32_t k = row_center[r];
    key[e] = kNoKey;
    src[e] = entry_src(0, r);
    if (k == kNone) return;
    if (!cbow) {
      key[e] = entry_key(0, word[row_context[r]]);
      return;
    }
    uint32_t c = lo[k] + t;  // the t-th context, skipping the center
    if (c >= k) ++c;
    if (c <= hi[k]) key[e] = entry_key(0, word[c]);
  }
};

struct CenterEntries {
  const uint32_t* word;
  const uint32_t* count;
  uint64_t* key;
  uint64_t* src;
  GV_HD void operator()(uint32_t k) const {
    key[k] = count[k] ? entry_key(1, word[k]) : kNoKey;
    src[k] = entry_src(1, k);
  }
};

struct NegativeEntries {
  const uint32_t* slot_group;
  const uint32_t* neg;
  uint32_t K;
  uint64_t* key;
  uint64_t* src;
  GV_HD void operator()(size_t e) const {
    const size_t s = e / K, j = e % K;
    key[e] = entry_key(1, neg[static_cast<size_t>(slot_group[s]) * K + j]);
    src[e] = entry_src(2, e);
  }
};

struct SegmentHead {
  const uint64_t* key;
  GV_HD bool operator()(uint32_t e) const { return key[e] != kNoKey && (e == 0 || key[e] != key[e - 1]); }
};

struct SegmentSums {
  const uint64_t* key;
  const uint64_t* src;
  const uint32_t* seg_start;  // (segments + 1)
  const float* dU;
  const float* g_out;
  const float* dVn;
  const float* g_bias;  // (m) and
  const float* db;      // (slots, K), with b_out
  uint32_t d;
  const float* count_in;
  const float* count_out;
  float cap_in, cap_out;
  float* w_in;
  float* w_out;
  float* b_out;  // (vocab) output biases, or null
  GV_HD void operator()(size_t q, uint32_t col) const {
    const bool out = (key[seg_start[q]] >> 32) != 0;
    const bool with_bias = b_out && out && col == 0;
    float sum = 0.0f, bias = 0.0f;
    for (uint32_t e = seg_start[q]; e < seg_start[q + 1]; ++e) {
      const uint64_t s = src[e];
      const uint64_t row = s & ((uint64_t(1) << 40) - 1);
      const uint32_t kind = static_cast<uint32_t>(s >> 40);
      const float* base = kind == 0 ? dU : kind == 1 ? g_out : dVn;
      sum += base[row * d + col];
      if (with_bias) bias += kind == 1 ? g_bias[row] : db[row];
    }
    const uint32_t word = static_cast<uint32_t>(key[seg_start[q]] & 0xFFFFFFFFu);
    const float scale = out ? row_scale(count_out, word, cap_out) : row_scale(count_in, word, cap_in);
    (out ? w_out : w_in)[size_t(word) * d + col] += sum * scale;
    if (with_bias) b_out[word] += bias * scale;
  }
};

}  // namespace gemmvec::GV_PIPELINE_NS
