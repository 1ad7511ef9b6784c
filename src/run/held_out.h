// gemmvec: eval.heldout: each held-out text read into pairs before training (a bad file fails
// before any work), then scored by the trained model's output layer (eval/log_likelihood.h).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/vocab.h"
#include "eval/log_likelihood.h"
#include "gemmvec/config.h"
#include "gemmvec/embeddings.h"
#include "math/output_loss.h"

namespace gemmvec {

struct HeldOutText {
  std::string file;
  HeldOutPairs pairs;
};

// The scorer of a loss's output layer (model.out and out_bias): the full softmax over the words
// for neg, nce and softmax. The one place that says which losses have one.
std::unique_ptr<OutputScorer> output_scorer(OutputLoss loss, const Embeddings& model);

// The pairs of each eval.heldout file, read as training reads its corpus (data.max_sentence_length
// and max_token_bytes; a line is a sentence) with the training vocabulary: out-of-vocabulary
// words dropped before windowing, the full model.window on each side, no subsampling, a sample of
// at most eval.heldout_pairs seeded by train.seed. Throws UsageError where model.loss has no
// scorer, InputError for a file that yields no pair.
std::vector<HeldOutText> read_held_out(const Config& config, const Vocab& vocab);

// Each text's log-likelihood under the model: `in` (rows, dim) the input vectors, the output
// layer `model`'s out and out_bias (its `in` is not read). The scores' "log_likelihood" list.
nlohmann::ordered_json score_held_out(const std::vector<HeldOutText>& texts, OutputLoss loss, const float* in,
                                      const Embeddings& model);

}  // namespace gemmvec
