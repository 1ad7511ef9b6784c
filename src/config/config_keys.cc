// gemmvec: the config key table and what reads it alone (see config_keys.h).
#include "config/config_keys.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <type_traits>

#include <fmt/ranges.h>

namespace gemmvec::config_keys {
namespace {

template <class T> constexpr Kind kind_of();
template <> constexpr Kind kind_of<bool>() { return Kind::kBool; }
template <> constexpr Kind kind_of<uint32_t>() { return Kind::kUint32; }
template <> constexpr Kind kind_of<uint64_t>() { return Kind::kUint64; }
template <> constexpr Kind kind_of<double>() { return Kind::kDouble; }
template <> constexpr Kind kind_of<std::string>() { return Kind::kString; }
template <> constexpr Kind kind_of<std::vector<std::string>>() { return Kind::kStringList; }

// Optional properties of a key, so the table below reads as one line per key.
struct Rule {
  double lo = -kInf, hi = kInf;
  std::vector<std::string> choices;
  bool non_empty = false;
  bool path = false;
};
Rule range(double lo, double hi = kInf) { return Rule{lo, hi, {}, false, false}; }
Rule one_of(std::vector<std::string> choices) { return Rule{-kInf, kInf, std::move(choices), false, false}; }
Rule path() { return Rule{-kInf, kInf, {}, false, true}; }
Rule required_path() { return Rule{-kInf, kInf, {}, true, true}; }

template <class S, class T>
Key field(const char* name, S Config::*section, T S::*member, const char* doc, Rule rule = {}) {
  Key k{name, kind_of<T>(), doc, rule.lo, rule.hi, std::move(rule.choices), rule.non_empty, rule.path, {}, {}};
  if constexpr (std::is_same_v<T, uint32_t>) {
    if (k.lo == -kInf) k.lo = 0;
    if (k.hi == kInf) k.hi = std::numeric_limits<uint32_t>::max();
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if (k.lo == -kInf) k.lo = 0;
  }
  k.get = [section, member](const Config& c) -> Value {
    if constexpr (std::is_same_v<T, uint32_t>) return Value(uint64_t{(c.*section).*member});
    else return Value((c.*section).*member);
  };
  k.set = [section, member](Config& c, const Value& v) {
    if constexpr (std::is_same_v<T, uint32_t>) (c.*section).*member = static_cast<uint32_t>(std::get<uint64_t>(v));
    else (c.*section).*member = std::get<T>(v);
  };
  return k;
}

Key model_type_key() {
  Key k{"model.type", Kind::kString, "skip-gram predicts the context from each word, CBOW the word from its context", -kInf, kInf, {"skipgram", "cbow"}, false, false, {}, {}};
  k.get = [](const Config& c) -> Value {
    return Value(std::string(model_type_name(c.model.type)));
  };
  k.set = [](Config& c, const Value& v) {
    c.model.type = std::get<std::string>(v) == "cbow" ? ModelType::kCbow : ModelType::kSkipGram;
  };
  return k;
}

}  // namespace

// Every config key, in the order to_yaml and the template write them.
const std::vector<Key>& keys() {
  static const std::vector<Key> table = [] {
    using C = Config;
    using D = DataConfig;
    using V = VocabConfig;
    using M = ModelConfig;
    using T = TrainConfig;
    using O = OutputConfig;
    using E = EvalConfig;
    return std::vector<Key>{
        field("data.corpus", &C::data, &D::corpus, "text files to train on: plain, .gz or .xz (a list, or one path)", path()),
        field("data.tokens", &C::data, &D::tokens, "a prefix written by `gemmvec prepare` (PREFIX.vocab, PREFIX.tokens), instead of corpus", path()),
        field("data.cache_dir", &C::data, &D::cache_dir, "where token caches of corpus files are kept", required_path()),
        field("data.max_sentence_length", &C::data, &D::max_sentence_length, "longer lines are cut into sentences of this many tokens", range(1)),
        field("data.max_token_bytes", &C::data, &D::max_token_bytes, "longer tokens are cut at a UTF-8 character boundary", range(1, 1 << 20)),
        field("data.max_count_table", &C::data, &D::max_count_table, "distinct words held while counting; past it rare ones are pruned as word2vec.c does (~120 B each; 0: no limit)"),
        field("vocab.min_count", &C::vocab, &V::min_count, "words seen fewer times are dropped"),
        field("vocab.max_size", &C::vocab, &V::max_size, "keep only the N most frequent words (0: no cap)"),
        field("vocab.read", &C::vocab, &V::read, "read the vocabulary from this word-count file instead of counting (word2vec -read-vocab)", path()),
        field("vocab.save", &C::vocab, &V::save, "write the vocabulary to this word-count file (word2vec -save-vocab)", path()),
        model_type_key(),
        field("model.dim", &C::model, &M::dim, "vector dimensions", range(1, 10000)),
        field("model.window", &C::model, &M::window, "largest context distance on each side (reduced at random per word)", range(1, 1000)),
        field("model.negative", &C::model, &M::negative, "negative samples per pair, k (unused by hs)", range(1, 1000)),
        field("model.ns_exponent", &C::model, &M::ns_exponent, "noise distribution Q(w) ~ count(w)^ns_exponent", range(0, 2)),
        field("model.sample", &C::model, &M::sample, "subsampling threshold t for frequent words (0: off)", range(0, 1)),
        field("model.alpha", &C::model, &M::alpha, "initial learning rate (0: 0.025 for skipgram, 0.05 for cbow)", range(0)),
        field("model.min_alpha_ratio", &C::model, &M::min_alpha_ratio, "the learning rate decays linearly to alpha * this", range(0, 1)),
        field("model.loss", &C::model, &M::loss, "the output layer: neg (negative sampling), nce (noise-contrastive estimation), softmax (sampled softmax over shared samples), hs (hierarchical softmax over a Huffman tree, word2vec -hs 1; cpu backend)", one_of({"neg", "nce", "softmax", "hs"})),
        field("model.output_bias", &C::model, &M::output_bias, "nce and softmax: learn a bias per output word (zeros at the start)"),
        field("model.remove_accidental_hits", &C::model, &M::remove_accidental_hits, "a shared sample equal to a pair's true word is left out of that pair's loss (auto: yes for neg, as word2vec.c, and softmax; no for nce, whose noise must be Q's draws)", one_of({"auto", "true", "false"})),
        field("train.epochs", &C::train, &T::epochs, "passes over the corpus", range(1)),
        field("train.threads", &C::train, &T::threads, "CPU threads (0: all hardware threads)", range(0, 4096)),
        field("train.backend", &C::train, &T::backend, "where to train (auto: cuda if a usable GPU is present, else cpu)", one_of({"auto", "cpu", "cuda", "cuda-host"})),
        field("train.seed", &C::train, &T::seed, "seed of every random draw"),
        field("train.group_size", &C::train, &T::group_size, "corpus positions whose centers share negatives (0: backend default)", range(0, 1 << 20)),
        field("train.group_negatives", &C::train, &T::group_negatives, "K, negatives drawn per group (0: backend default)", range(0, 4096)),
        field("train.batch_words", &C::train, &T::batch_words, "tokens per device batch (0: backend default)", range(0, 1u << 30)),
        field("train.max_row_updates", &C::train, &T::max_row_updates, "a row's summed update in one step is scaled by min(1, this / pair-updates summed) (0: no cap, -1: backend default)", range(-1)),
        field("train.deterministic", &C::train, &T::deterministic, "bit-identical vectors for one seed (slower; one thread on the CPU)"),
        field("train.tf32", &C::train, &T::tf32, "TF32 tensor-core GEMMs on the GPU (faster, less precise)"),
        field("train.step", &C::train, &T::step, "the GEMM pipeline's step (cuda, cuda-host): gemm (batched GEMMs over the batch's pairs) or fused (one kernel per group tile, no per-pair buffers; not with train.deterministic); auto: gemm", one_of({"auto", "gemm", "fused"})),
        field("train.progress_seconds", &C::train, &T::progress_seconds, "period of progress lines when stderr is not a terminal", range(0)),
        field("train.checkpoint_minutes", &C::train, &T::checkpoint_minutes, "write a checkpoint this often (0: only on SIGINT/SIGTERM); resume with gemmvec train --resume FILE.ckpt", range(0)),
        field("train.watch", &C::train, &T::watch, "words whose 8 nearest neighbours (cosine of the input vectors) are printed while training"),
        field("train.watch_seconds", &C::train, &T::watch_seconds, "print the watched words' neighbours after every epoch and this often in between (0: after epochs only)", range(0)),
        field("output.path", &C::output, &O::path, "the word vectors file", required_path()),
        field("output.format", &C::output, &O::format, "word2vec.c's binary or text format, or both", one_of({"bin", "txt", "both"})),
        field("output.vocab", &C::output, &O::vocab, "write the word-count vocab file here (empty: none)", path()),
        field("output.metrics", &C::output, &O::metrics, "JSON-lines metrics log (empty: none)", path()),
        field("output.save_config", &C::output, &O::save_config, "write the resolved config to PATH.yaml beside the vectors"),
        field("output.checkpoint", &C::output, &O::checkpoint, "the checkpoint file (empty: PATH.ckpt beside the vectors; removed when the run completes)", path()),
        field("output.save_output", &C::output, &O::save_output, "also write the output layer (vectors.out.bin beside vectors.bin; not for hs, whose rows are tree nodes)"),
        field("eval.analogy", &C::eval, &E::analogy, "analogy question files (word2vec's questions-words.txt format)", path()),
        field("eval.similarity", &C::eval, &E::similarity, "word-pair similarity files (w1 w2 score)", path()),
        field("eval.analogy_top_n", &C::eval, &E::analogy_top_n, "analogies use only the N most frequent words (0: all)"),
        field("eval.neighbours", &C::eval, &E::neighbours, "words whose nearest neighbours are printed at the end"),
        field("eval.heldout", &C::eval, &E::heldout, "text files scored after training: mean log P(context | center) under the full softmax, perplexity, mean log Z", path()),
        field("eval.heldout_pairs", &C::eval, &E::heldout_pairs, "score a seeded sample of at most N (context, center) pairs per held-out file (0: all)"),
    };
  }();
  return table;
}

std::vector<std::string> section_names() {
  std::vector<std::string> out;
  for (const Key& k : keys())
    if (std::find(out.begin(), out.end(), k.section()) == out.end()) out.push_back(k.section());
  return out;
}

const Key* find_key(const std::string& name) {
  for (const Key& k : keys())
    if (k.name == name) return &k;
  return nullptr;
}

// The valid key to suggest for an unknown "section.leaf" (or bare "leaf"): a key with the same
// leaf in another section if there is one ("model.min_count" -> "vocab.min_count"), else the
// nearest by edit distance.
std::string suggest_key(const std::string& name) {
  const std::string leaf = name.substr(name.find('.') == std::string::npos ? 0 : name.find('.') + 1);
  for (const Key& k : keys())
    if (k.leaf() == leaf) return k.name;
  std::vector<std::string> candidates;
  for (const Key& k : keys()) candidates.push_back(k.name);
  if (name.find('.') == std::string::npos)
    for (const std::string& s : section_names()) candidates.push_back(s);
  return closest_match(name, candidates);
}

std::string unknown_key_message(const Source& src, const std::string& name, const char* what) {
  return fmt::format("{}unknown {} '{}' (did you mean '{}'?)", src.prefix(), what, name, suggest_key(name));
}

// ---- values: text <-> Value ------------------------------------------------------------------

std::string kind_name(const Key& key) {
  switch (key.kind) {
    case Kind::kBool: return "a boolean (true or false)";
    case Kind::kUint32:
    case Kind::kUint64: return "a non-negative integer";
    case Kind::kDouble: return "a number";
    case Kind::kString:
      return key.choices.empty() ? "a string" : fmt::format("one of {}", fmt::join(key.choices, ", "));
    case Kind::kStringList: return "a list of strings";
  }
  return "a value";
}

std::optional<bool> parse_bool(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  return std::nullopt;
}

std::string number_text(double v) {
  if (v == kInf) return "inf";
  return fmt::format("{}", v);
}

// The range or choices of a key as users read them: "1..10000", ">= 1", "auto, cpu, ...".
std::string rule_text(const Key& key) {
  if (!key.choices.empty()) return fmt::format("one of {}", fmt::join(key.choices, ", "));
  const bool unsigned_kind = key.kind == Kind::kUint32 || key.kind == Kind::kUint64;
  const double type_hi = key.kind == Kind::kUint32 ? std::numeric_limits<uint32_t>::max() : kInf;
  const bool has_lo = key.lo != -kInf && !(unsigned_kind && key.lo == 0);
  const bool has_hi = key.hi != kInf && key.hi != type_hi;
  if (has_hi) return fmt::format("{}..{}", number_text(key.lo == -kInf ? 0 : key.lo), number_text(key.hi));
  if (has_lo) return fmt::format(">= {}", number_text(key.lo));
  if (key.non_empty) return "not empty";
  return "";
}

// Checks a value against its key's rule; returns the problem, or "" if none.
std::string check(const Key& key, const Value& v) {
  double number = 0;
  if (const auto* u = std::get_if<uint64_t>(&v)) number = static_cast<double>(*u);
  else if (const auto* d = std::get_if<double>(&v)) number = *d;
  else if (const auto* s = std::get_if<std::string>(&v)) {
    if (!key.choices.empty() && std::find(key.choices.begin(), key.choices.end(), *s) == key.choices.end()) {
      const std::string near = closest_match(*s, key.choices);
      return fmt::format("{} = '{}' is not valid: expected {} (did you mean '{}'?)", key.name, *s,
                         rule_text(key), near);
    }
    if (key.non_empty && s->empty()) return fmt::format("{} must not be empty", key.name);
    return "";
  } else {
    return "";
  }
  if (!(number >= key.lo && number <= key.hi))
    return fmt::format("{} = {} is out of range: expected {}", key.name, number_text(number), rule_text(key));
  return "";
}

}  // namespace gemmvec::config_keys
