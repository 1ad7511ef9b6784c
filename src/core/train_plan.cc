// gemmvec: resolving config and vocab into a training plan, and each backend's defaults.
#include "gemmvec/train_plan.h"

#include <thread>

#include "gemmvec/backend.h"
#include "gemmvec/memory_budget.h"
#include "gemmvec/negative_sampling.h"

namespace gemmvec {

BackendDefaults backend_defaults(const std::string& backend) {
  // CPU: one center per group, K = k: word2vec.c's objective with HogBatch's row reuse.
  // GEMM pipeline: a batch is one step from stale rows, so it stays small enough that the
  // summed updates of frequent words do not diverge (262144 words did); docs/tuning.md.
  if (backend == "cpu") return {1, 0, 0, 0};
  return {8, 16, 16384, 128};
}

TrainPlan make_plan(const Config& config, const Vocab& vocab, uint32_t default_group_size,
                    uint32_t default_group_negatives, uint32_t default_batch_words,
                    float default_row_update_cap) {
  check_memory_budget(vocab.size(), config.model.dim);  // before any table or matrix is allocated
  TrainPlan plan;
  plan.type = config.model.type;
  plan.dim = config.model.dim;
  plan.window = config.model.window;
  plan.negative = config.model.negative;
  plan.group_size = config.train.group_size ? config.train.group_size : default_group_size;
  plan.group_negatives = config.train.group_negatives ? config.train.group_negatives
                         : default_group_negatives   ? default_group_negatives
                                                     : config.model.negative;
  plan.batch_words = config.train.batch_words ? config.train.batch_words : default_batch_words;
  plan.row_update_cap = config.train.max_row_updates >= 0 ? static_cast<float>(config.train.max_row_updates)
                                                         : default_row_update_cap;
  plan.threads = config.train.threads ? config.train.threads
                                      : std::max(1u, std::thread::hardware_concurrency());
  if (config.train.deterministic) plan.threads = 1;
  plan.epochs = config.train.epochs;
  plan.seed = config.train.seed;
  plan.deterministic = config.train.deterministic;
  plan.tf32 = config.train.tf32;
  plan.keep.resize(vocab.size());
  for (uint32_t w = 0; w < vocab.size(); ++w)
    plan.keep[w] = keep_probability(vocab.count(w), vocab.total(), config.model.sample);
  plan.noise = AliasTable(vocab.counts(), config.model.ns_exponent);
  return plan;
}

}  // namespace gemmvec
