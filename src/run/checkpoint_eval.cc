// gemmvec: a checkpoint's data checked, and its model scored on held-out text.
#include "run/checkpoint_eval.h"

#include <fmt/format.h>

#include "data/token_format.h"
#include "run/held_out.h"
#include "run/output_paths.h"
#include "train/train_plan.h"

namespace gemmvec {

void check_checkpoint_corpus(const Checkpoint& checkpoint, const PreparedCorpus& corpus, const std::string& path) {
  if (checkpoint.stream_tokens != corpus.tokens.size() || checkpoint.stream_words != corpus.tokens.words())
    throw InputError(fmt::format("{}: the corpus has changed since this checkpoint was written ({} words then, {} now); "
                                 "the checkpoint needs the data it was trained on", path, checkpoint.stream_words,
                                 corpus.tokens.words()));
  // Same sizes but other words or counts (say two words swapped throughout) would read the
  // checkpoint's rows as the wrong words.
  if (checkpoint.vocab_hash != vocab_hash(corpus.vocab))
    throw InputError(fmt::format("{}: the corpus's vocabulary (its words or their counts) differs from the one this "
                                 "checkpoint was trained on; the checkpoint needs the data it was trained on", path));
}

nlohmann::ordered_json checkpoint_log_likelihood(const std::string& path, const std::vector<std::string>& files,
                                                 uint64_t max_pairs) {
  const Checkpoint checkpoint = load_checkpoint(path);
  Config config = parse_config(checkpoint.config_yaml, path);
  config.eval.heldout = files;
  config.eval.heldout_pairs = max_pairs;
  std::vector<KeyedPath> inputs;
  for (const std::string& file : files) inputs.push_back({"--log-likelihood", file});
  check_input_files(inputs);
  const PreparedCorpus corpus = prepare_corpus(config);
  check_checkpoint_corpus(checkpoint, corpus, path);
  const Embeddings& model = checkpoint.model;
  const std::vector<HeldOutText> texts = read_held_out(config, corpus.vocab);
  const OutputLoss loss = output_loss(config.model.loss);
  const HuffmanTree tree(loss == OutputLoss::kHs ? corpus.vocab.counts() : std::vector<uint64_t>{});
  return {{"checkpoint", path}, {"words", corpus.vocab.size()}, {"dim", model.dim}, {"loss", config.model.loss},
          {"log_likelihood", score_held_out(texts, loss, model.in.data(), model, &tree)}};
}

}  // namespace gemmvec
