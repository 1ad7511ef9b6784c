// gemmvec: eval.heldout: text to pairs with the training vocabulary, pairs to log-likelihoods.
#include "run/held_out.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "data/corpus_reader.h"
#include "data/word_index.h"
#include "eval/scores.h"
#include "train/train_plan.h"

namespace gemmvec {

void HsPathScorer::score(const float* u, size_t n, const uint32_t* words, double* log_p, double* log_z) const {
  const uint32_t d = model_.dim;
  for (size_t i = 0; i < n; ++i) {
    const float* ui = u + i * d;
    const uint32_t w = words[i];
    double sum = 0;
    for (uint32_t step = 0; step < tree_.length(w); ++step) {
      const float* node = model_.out.data() + size_t(tree_.nodes(w)[step]) * d;
      double x = 0;
      for (uint32_t c = 0; c < d; ++c) x += double(ui[c]) * node[c];
      if (tree_.code(w)[step]) x = -x;
      sum += x >= 0 ? -std::log1p(std::exp(-x)) : x - std::log1p(std::exp(x));
    }
    log_p[i] = sum;
    log_z[i] = 0;
  }
}

std::unique_ptr<OutputScorer> output_scorer(OutputLoss loss, const Embeddings& model, const HuffmanTree* tree) {
  if (loss == OutputLoss::kHs) {
    if (!tree) throw std::invalid_argument("output_scorer: hs needs the tree");
    return std::make_unique<HsPathScorer>(*tree, model);
  }
  return std::make_unique<FullSoftmaxScorer>(
      OutputLayer{model.out.data(), model.out_bias.empty() ? nullptr : model.out_bias.data(), model.rows, model.dim});
}

std::vector<HeldOutText> read_held_out(const Config& config, const Vocab& vocab) {
  std::vector<HeldOutText> texts;
  if (config.eval.heldout.empty()) return texts;
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
                                      const Embeddings& model, const HuffmanTree* tree, const StopCheck& stop) {
  nlohmann::ordered_json scores = nlohmann::ordered_json::array();
  if (texts.empty()) return scores;
  const std::unique_ptr<OutputScorer> scorer = output_scorer(loss, model, tree);
  for (const HeldOutText& text : texts)
    scores.push_back(
        log_likelihood_json(text.file, log_likelihood(text.pairs, in, model.dim, *scorer, kPairBlock, stop)));
  return scores;
}

}  // namespace gemmvec
