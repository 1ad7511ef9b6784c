// gemmvec: resolving config and vocab into a training plan.
#include "train/train_plan.h"

#include "base/memory_budget.h"
#include "math/negative_sampling.h"
#include "math/sampling.h"

namespace gemmvec {

OutputLoss output_loss(const std::string& name) {
  if (name == "nce") return OutputLoss::kNce;
  if (name == "softmax") return OutputLoss::kSoftmax;
  if (name == "hs") return OutputLoss::kHs;
  return OutputLoss::kNeg;
}

std::vector<float> noise_log_probabilities(const std::vector<uint64_t>& counts, double exponent) {
  double total = 0;
  for (uint64_t c : counts) total += std::pow(static_cast<double>(c), exponent);
  std::vector<float> out(counts.size());
  for (size_t w = 0; w < counts.size(); ++w)
    out[w] = static_cast<float>(exponent * std::log(static_cast<double>(counts[w])) - std::log(total));
  return out;
}

TrainPlan make_plan(const Config& config, const Vocab& vocab, const BackendDefaults& defaults) {
  check_memory_budget(vocab.size(), config.model.dim);  // before any table or matrix is allocated
  TrainPlan plan;
  plan.type = config.model.type;
  plan.dim = config.model.dim;
  plan.window = config.model.window;
  plan.negative = config.model.negative;
  plan.group_size = config.train.group_size ? config.train.group_size : defaults.group_size;
  plan.loss = output_loss(config.model.loss);
  plan.group_negatives = plan.loss == OutputLoss::kHs    ? 0
                         : config.train.group_negatives ? config.train.group_negatives
                         : defaults.group_negatives     ? defaults.group_negatives
                                                        : config.model.negative;
  plan.batch_words = config.train.batch_words ? config.train.batch_words : defaults.batch_words;
  plan.row_update_cap = config.train.max_row_updates >= 0 ? static_cast<float>(config.train.max_row_updates)
                                                         : defaults.row_update_cap;
  plan.threads = resolved_threads(config.train);
  plan.epochs = config.train.epochs;
  plan.seed = config.train.seed;
  plan.deterministic = config.train.deterministic;
  plan.tf32 = config.train.tf32;
  plan.fused = config.train.step == "fused";
  plan.keep.resize(vocab.size());
  for (uint32_t w = 0; w < vocab.size(); ++w)
    plan.keep[w] = keep_probability(vocab.count(w), vocab.total(), config.model.sample);
  plan.noise = AliasTable(vocab.counts(), config.model.ns_exponent);
  plan.output_bias = config.model.output_bias;
  const std::string& hits = config.model.remove_accidental_hits;
  plan.remove_hits = hits == "auto" ? plan.loss != OutputLoss::kNce : hits == "true";
  if (plan.loss == OutputLoss::kNce || plan.loss == OutputLoss::kSoftmax)
    plan.log_noise = noise_log_probabilities(vocab.counts(), config.model.ns_exponent);
  if (plan.loss == OutputLoss::kHs) plan.tree = HuffmanTree(vocab.counts());
  return plan;
}

}  // namespace gemmvec
