// gemmvec: eval.heldout: text to pairs with the training vocabulary, pairs to log-likelihoods.
#include "run/held_out.h"

#include <algorithm>

#include <fmt/format.h>

#include "data/corpus_reader.h"
#include "data/word_index.h"
#include "eval/scores.h"
#include "train/train_plan.h"

namespace gemmvec {

std::unique_ptr<OutputScorer> output_scorer(OutputLoss loss, const Embeddings& model) {
  if (loss == OutputLoss::kHs)
    throw UsageError("held-out log-likelihood for hs is not built yet (remove eval.heldout, or train another model.loss)");
  return std::make_unique<FullSoftmaxScorer>(
      OutputLayer{model.out.data(), model.out_bias.empty() ? nullptr : model.out_bias.data(), model.rows, model.dim});
}

std::vector<HeldOutText> read_held_out(const Config& config, const Vocab& vocab) {
  std::vector<HeldOutText> texts;
  if (config.eval.heldout.empty()) return texts;
  output_scorer(output_loss(config.model.loss), Embeddings{});  // refuses a loss without one now
  const WordIndex index(vocab);
  const ReaderLimits limits{config.data.max_sentence_length, config.data.max_token_bytes};
  const PairOptions options{config.model.type == ModelType::kCbow, config.model.window, config.eval.heldout_pairs,
                            config.train.seed};
  for (const std::string& file : config.eval.heldout) {
    HeldOutSampler sampler(options);
    std::vector<uint32_t> ids;
    read_corpus({file}, limits, [&](const std::vector<std::string_view>& tokens) {
      ids.resize(tokens.size());
      index.find(tokens.data(), tokens.size(), ids.data());
      ids.erase(std::remove(ids.begin(), ids.end(), Vocab::kMissing), ids.end());
      sampler.add_sentence(ids.data(), ids.size());
    });
    HeldOutPairs pairs = sampler.take();
    if (pairs.pairs.empty())
      throw InputError(fmt::format("{}: eval.heldout: no pair of vocabulary words within model.window {} of each other "
                                   "in this text (check it is text of the corpus's language)", file,
                                   config.model.window));
    texts.push_back({file, std::move(pairs)});
  }
  return texts;
}

nlohmann::ordered_json score_held_out(const std::vector<HeldOutText>& texts, OutputLoss loss, const float* in,
                                      const Embeddings& model) {
  nlohmann::ordered_json scores = nlohmann::ordered_json::array();
  if (texts.empty()) return scores;
  const std::unique_ptr<OutputScorer> scorer = output_scorer(loss, model);
  for (const HeldOutText& text : texts)
    scores.push_back(log_likelihood_json(text.file, log_likelihood(text.pairs, in, model.dim, *scorer)));
  return scores;
}

}  // namespace gemmvec
