// gemmvec CLI: the commands that query trained vectors: `eval`, `similar`, `analogy`.
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "eval/scores.h"
#include "gemmvec/config.h"
#include "gemmvec/evaluation.h"
#include "gemmvec/vectors_io.h"
#include "run/checkpoint_eval.h"

namespace gemmvec::cli {
namespace {

const char kEvalUsage[] =
    "usage: gemmvec eval VECTORS [--analogy FILE]... [--similarity FILE]... [--top-n N] [--json]\n"
    "       gemmvec eval --checkpoint FILE.ckpt --log-likelihood TEXT... [--pairs N] [--json]\n\n"
    "Scores word2vec-format vectors (binary or text): analogy files as word2vec's compute-accuracy\n"
    "(3CosAdd, top 1, among the N most frequent words, default 30000, 0: all) and word-pair files\n"
    "by Spearman's rho. With --checkpoint, scores the checkpoint's model (both matrices) on held-out\n"
    "text: the mean log P(context | center) under the full softmax over the vocabulary, perplexity\n"
    "and mean log Z, on a seeded sample of at most N pairs per file (default 100000, 0: all); its\n"
    "vocabulary is rebuilt from the data its config names. One line per file, or JSON with --json.\n";

const char kSimilarUsage[] =
    "usage: gemmvec similar VECTORS WORD... [-n 10]\n\n"
    "Prints the n words nearest to each WORD by cosine similarity, one 'word<TAB>cosine' per line.\n";

const char kAnalogyUsage[] =
    "usage: gemmvec analogy VECTORS A B C [-n 5]\n\n"
    "A is to B as C is to ?: prints the n words nearest to B - A + C (unit vectors), A, B and C\n"
    "excluded, one 'word<TAB>cosine' per line.\n";

int64_t require_word(const VectorIndex& index, const std::string& word, const std::string& path) {
  const int64_t id = index.find(word);
  if (id < 0) throw InputError(fmt::format("'{}' is not in the vocabulary of {}", word, path));
  return id;
}

void print_neighbours(const std::vector<std::pair<std::string, float>>& words) {
  for (const auto& [word, cosine] : words) fmt::print("{}\t{:.4f}\n", word, cosine);
}

// `eval --checkpoint FILE.ckpt --log-likelihood TEXT...`: a model's held-out log-likelihood.
int eval_checkpoint(const Args& args) {
  if (!args.positional.empty() || args.has("--analogy") || args.has("--similarity") || args.has("--top-n"))
    throw UsageError("eval --checkpoint scores held-out text only: gemmvec eval --checkpoint FILE.ckpt --log-likelihood "
                     "TEXT (score the saved vectors for analogies and similarity)");
  if (!args.has("--log-likelihood"))
    throw UsageError("eval --checkpoint needs --log-likelihood TEXT (held-out text, e.g. the corpus's last lines)");
  const uint64_t pairs = parse_count("--pairs", args.last("--pairs", std::to_string(EvalConfig{}.heldout_pairs)));
  const nlohmann::ordered_json report =
      checkpoint_log_likelihood(args.last("--checkpoint"), args.all("--log-likelihood"), pairs);
  fmt::print("{}", args.has("--json") ? report.dump(2) + "\n" : scores_text(report));
  return 0;
}

}  // namespace

int cmd_eval(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv,
                               {{"--analogy", true}, {"--similarity", true}, {"--top-n", true}, {"--json", false},
                                {"--checkpoint", true}, {"--log-likelihood", true}, {"--pairs", true}},
                               "eval");
  if (args.help) {
    fmt::print("{}", kEvalUsage);
    return 0;
  }
  if (args.has("--checkpoint")) return eval_checkpoint(args);
  if (args.has("--log-likelihood") || args.has("--pairs"))
    throw UsageError("--log-likelihood needs the output layer, which a vectors file lacks: gemmvec eval --checkpoint "
                     "FILE.ckpt --log-likelihood TEXT (or set eval.heldout in the training config)");
  if (args.positional.size() != 1)
    throw UsageError("eval takes one vectors file: gemmvec eval VECTORS --analogy FILE --similarity FILE");
  const std::vector<std::string> analogy = args.all("--analogy");
  const std::vector<std::string> similarity = args.all("--similarity");
  if (analogy.empty() && similarity.empty())
    throw UsageError("eval needs --analogy FILE or --similarity FILE (e.g. data/eval/questions-words.txt)");
  const size_t top_n = parse_count("--top-n", args.last("--top-n", std::to_string(EvalConfig{}.analogy_top_n)));
  const bool json = args.has("--json");

  const std::string& path = args.positional[0];
  const nlohmann::ordered_json report = eval_report(path, analogy, similarity, top_n);
  if (!json) fmt::print("{}", scores_text(report));
  if (json) fmt::print("{}\n", report.dump(2));
  return 0;
}

int cmd_similar(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {{"-n", true}}, "similar");
  if (args.help) {
    fmt::print("{}", kSimilarUsage);
    return 0;
  }
  if (args.positional.size() < 2) throw UsageError("similar needs vectors and a word: gemmvec similar VECTORS WORD [-n 10]");
  const size_t n = parse_count("-n", args.last("-n", "10"));
  const std::string& path = args.positional[0];
  const VectorIndex index(load_word2vec(path));
  const bool several = args.positional.size() > 2;
  for (size_t i = 1; i < args.positional.size(); ++i) {
    const int64_t id = require_word(index, args.positional[i], path);
    if (several) fmt::print("{}{}:\n", i > 1 ? "\n" : "", args.positional[i]);
    print_neighbours(index.nearest(index.unit_row(id), n, {id}));
  }
  return 0;
}

int cmd_analogy(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {{"-n", true}}, "analogy");
  if (args.help) {
    fmt::print("{}", kAnalogyUsage);
    return 0;
  }
  if (args.positional.size() != 4) throw UsageError("analogy needs vectors and three words: gemmvec analogy VECTORS A B C [-n 5]");
  const size_t n = parse_count("-n", args.last("-n", "5"));
  const std::string& path = args.positional[0];
  const VectorIndex index(load_word2vec(path));
  const int64_t a = require_word(index, args.positional[1], path);
  const int64_t b = require_word(index, args.positional[2], path);
  const int64_t c = require_word(index, args.positional[3], path);
  print_neighbours(index.nearest(analogy_query(index, a, b, c), n, {a, b, c}));
  return 0;
}

}  // namespace gemmvec::cli
