// gemmvec: what a finished run writes: the vectors (word2vec .bin/.txt), the vocab, the resolved
// config, the neighbours and scores it prints, and the run summary OUT.json.
#pragma once
#include <chrono>
#include <cstddef>
#include <vector>

#include "data/vocab.h"
#include "gemmvec/embeddings.h"
#include "gemmvec/trainer.h"
#include "gemmvec/vectors_io.h"
#include "run/held_out.h"
#include "train/train_plan.h"

namespace gemmvec {

// Writes the outputs of a completed run and fills summary.total_seconds (from t0); returns the
// vectors it wrote (the vocabulary's words, the input matrix moved out of `model`).
// `held_out`: the eval.heldout texts read before training, scored here with the model. A signal
// (recorded by the trainer's InterruptHandlers) stops the scoring: OUT.json is still written, its
// "scores" saying they were interrupted, and then Interrupted is thrown.
WordVectors write_run_outputs(const Config& config, const Vocab& vocab, Embeddings&& model, const TrainPlan& plan,
                              const std::vector<HeldOutText>& held_out, size_t device_bytes, RunSummary& summary,
                              std::chrono::steady_clock::time_point t0);

}  // namespace gemmvec
