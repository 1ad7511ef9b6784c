// gemmvec: what a backend needs to train: the resolved sampling settings and noise tables.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "math/output_loss.h"
#include "train/alias_table.h"
#include "train/huffman_tree.h"
#include "gemmvec/config.h"
#include "data/vocab.h"

namespace gemmvec {

// Settings every backend reads, with backend defaults for group and batch already resolved.
struct TrainPlan {
  ModelType type = ModelType::kSkipGram;
  uint32_t dim = 100;
  uint32_t window = 5;
  uint32_t negative = 5;        // k
  uint32_t group_size = 1;      // aligned corpus positions whose centers share negatives
  uint32_t group_negatives = 5; // K (0 for hs, which draws no samples)
  uint32_t batch_words = 0;
  float row_update_cap = 0;     // 0: none; else a row's step update is scaled by min(1, cap / n)
  uint32_t threads = 1;
  uint32_t epochs = 5;
  uint64_t seed = 1;
  bool deterministic = false;
  bool tf32 = false;
  bool fused = false;           // the GEMM pipeline's fused step (train.step: fused)
  OutputLoss loss = OutputLoss::kNeg;
  bool output_bias = false;     // a bias per output row (Embeddings::out_bias)
  bool remove_hits = true;      // samples equal to the true word are left out
  std::vector<float> keep;      // (vocab) subsampling keep probability per word
  AliasTable noise;             // Q(w) ~ count^ns_exponent
  std::vector<float> log_noise; // (vocab) log Q(w), for nce and softmax; else empty
  HuffmanTree tree;             // hs's paths over the vocab; else empty

  float neg_weight() const {
    return group_negatives ? static_cast<float>(negative) / static_cast<float>(group_negatives) : 0.0f;
  }
  LossWeights weights(float lr) const {
    const float count = loss == OutputLoss::kSoftmax ? static_cast<float>(group_negatives) : static_cast<float>(negative);
    return {lr, neg_weight(), loss, std::log(count), remove_hits};
  }
};

// What a backend uses for the train.* keys left at 0 (or -1), chosen by measurement
// (docs/tuning.md). group_negatives 0: K = k.
struct BackendDefaults {
  uint32_t group_size = 1, group_negatives = 0, batch_words = 0;
  float row_update_cap = 0;
};

// model.loss's name as the enum (names checked by the config).
OutputLoss output_loss(const std::string& name);

// log Q(w) for Q(w) ~ count(w)^exponent (computed in double).
std::vector<float> noise_log_probabilities(const std::vector<uint64_t>& counts, double exponent);

// Resolves config + vocab into a plan; train.group_size/group_negatives/batch_words of 0 and
// train.max_row_updates of -1 take the backend's defaults. Checks the memory budget first.
TrainPlan make_plan(const Config& config, const Vocab& vocab, const BackendDefaults& defaults);

}  // namespace gemmvec
