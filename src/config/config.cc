// gemmvec: the YAML config: one table of keys drives parsing, overrides, validation, to_yaml
// and the commented template, so a key is described exactly once.
#include "gemmvec/config.h"

#include "base/file_errors.h"
#include "base/parse_number.h"
#include "config/yaml_text.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gemmvec {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A key's value, whatever its C++ type: unsigned integers widen to uint64_t, enums are strings.
using Value = std::variant<bool, uint64_t, double, std::string, std::vector<std::string>>;

enum class Kind { kBool, kUint32, kUint64, kDouble, kString, kStringList };

// Where a value came from, for error messages: "file.yaml:4" or "--set".
struct Source {
  std::string where;
  int line = -1;  // 0-based, -1: none
  std::string prefix() const {
    return line >= 0 ? fmt::format("{}:{}: ", where, line + 1) : fmt::format("{}: ", where);
  }
};

struct Key {
  std::string name;  // "section.leaf"
  Kind kind;
  std::string doc;   // one line, for the template
  double lo = -kInf, hi = kInf;       // numeric range, inclusive
  std::vector<std::string> choices;   // allowed strings (empty: any)
  bool non_empty = false;             // a string that must not be empty
  std::function<Value(const Config&)> get;
  std::function<void(Config&, const Value&)> set;

  std::string section() const { return name.substr(0, name.find('.')); }
  std::string leaf() const { return name.substr(name.find('.') + 1); }
};

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
};
Rule range(double lo, double hi = kInf) { return Rule{lo, hi, {}, false}; }
Rule one_of(std::vector<std::string> choices) { return Rule{-kInf, kInf, std::move(choices), false}; }
Rule required() { return Rule{-kInf, kInf, {}, true}; }

template <class S, class T>
Key field(const char* name, S Config::*section, T S::*member, const char* doc, Rule rule = {}) {
  Key k{name, kind_of<T>(), doc, rule.lo, rule.hi, std::move(rule.choices), rule.non_empty, {}, {}};
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
  Key k{"model.type", Kind::kString, "skip-gram predicts the context from each word, CBOW the word from its context", -kInf, kInf, {"skipgram", "cbow"}, false, {}, {}};
  k.get = [](const Config& c) -> Value {
    return Value(std::string(c.model.type == ModelType::kCbow ? "cbow" : "skipgram"));
  };
  k.set = [](Config& c, const Value& v) {
    c.model.type = std::get<std::string>(v) == "cbow" ? ModelType::kCbow : ModelType::kSkipGram;
  };
  return k;
}

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
        field("data.corpus", &C::data, &D::corpus, "text files to train on: plain, .gz or .xz (a list, or one path)"),
        field("data.tokens", &C::data, &D::tokens, "a prefix written by `gemmvec prepare` (PREFIX.vocab, PREFIX.tokens), instead of corpus"),
        field("data.cache_dir", &C::data, &D::cache_dir, "where token caches of corpus files are kept", required()),
        field("data.max_sentence_length", &C::data, &D::max_sentence_length, "longer lines are cut into sentences of this many tokens", range(1)),
        field("data.max_token_bytes", &C::data, &D::max_token_bytes, "longer tokens are cut at a UTF-8 character boundary", range(1, 1 << 20)),
        field("data.max_count_table", &C::data, &D::max_count_table, "distinct words held while counting; past it rare ones are pruned as word2vec.c does (~120 B each; 0: no limit)"),
        field("vocab.min_count", &C::vocab, &V::min_count, "words seen fewer times are dropped"),
        field("vocab.max_size", &C::vocab, &V::max_size, "keep only the N most frequent words (0: no cap)"),
        field("vocab.read", &C::vocab, &V::read, "read the vocabulary from this word-count file instead of counting (word2vec -read-vocab)"),
        field("vocab.save", &C::vocab, &V::save, "write the vocabulary to this word-count file (word2vec -save-vocab)"),
        model_type_key(),
        field("model.dim", &C::model, &M::dim, "vector dimensions", range(1, 10000)),
        field("model.window", &C::model, &M::window, "largest context distance on each side (reduced at random per word)", range(1, 1000)),
        field("model.negative", &C::model, &M::negative, "negative samples per pair, k", range(1, 1000)),
        field("model.ns_exponent", &C::model, &M::ns_exponent, "noise distribution Q(w) ~ count(w)^ns_exponent", range(0, 2)),
        field("model.sample", &C::model, &M::sample, "subsampling threshold t for frequent words (0: off)", range(0, 1)),
        field("model.alpha", &C::model, &M::alpha, "initial learning rate (0: 0.025 for skipgram, 0.05 for cbow)", range(0)),
        field("model.min_alpha_ratio", &C::model, &M::min_alpha_ratio, "the learning rate decays linearly to alpha * this", range(0, 1)),
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
        field("train.progress_seconds", &C::train, &T::progress_seconds, "period of progress lines when stderr is not a terminal", range(0)),
        field("train.checkpoint_minutes", &C::train, &T::checkpoint_minutes, "write a checkpoint this often (0: only on SIGINT/SIGTERM); resume with gemmvec train --resume FILE.ckpt", range(0)),
        field("output.path", &C::output, &O::path, "the word vectors file", required()),
        field("output.format", &C::output, &O::format, "word2vec.c's binary or text format, or both", one_of({"bin", "txt", "both"})),
        field("output.vocab", &C::output, &O::vocab, "write the word-count vocab file here (empty: none)"),
        field("output.metrics", &C::output, &O::metrics, "JSON-lines metrics log (empty: none)"),
        field("output.save_config", &C::output, &O::save_config, "write the resolved config to PATH.yaml beside the vectors"),
        field("output.checkpoint", &C::output, &O::checkpoint, "the checkpoint file (empty: PATH.ckpt beside the vectors; removed when the run completes)"),
        field("eval.analogy", &C::eval, &E::analogy, "analogy question files (word2vec's questions-words.txt format)"),
        field("eval.similarity", &C::eval, &E::similarity, "word-pair similarity files (w1 w2 score)"),
        field("eval.analogy_top_n", &C::eval, &E::analogy_top_n, "analogies use only the N most frequent words (0: all)"),
        field("eval.neighbours", &C::eval, &E::neighbours, "words whose nearest neighbours are printed at the end"),
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

// Converts a YAML node to the key's value, checks it, and throws UsageError naming the
// source, the key, the value and what was expected.
Value to_value(const Key& key, const YAML::Node& node, const Source& src) {
  auto bad = [&]() {
    return UsageError(fmt::format("{}{}: expected {}, got {}", src.prefix(), key.name, kind_name(key), describe(node)));
  };
  Value v;
  switch (key.kind) {
    case Kind::kBool: {
      if (!node.IsScalar()) throw bad();
      const auto b = parse_bool(node.Scalar());
      if (!b) throw bad();
      v = *b;
      break;
    }
    case Kind::kUint32:
    case Kind::kUint64: {
      if (!node.IsScalar()) throw bad();
      const double hi = key.kind == Kind::kUint32 ? std::numeric_limits<uint32_t>::max() : kInf;
      const auto u = parse_unsigned(node.Scalar(), hi);
      if (!u || (key.kind == Kind::kUint32 && *u > std::numeric_limits<uint32_t>::max())) {
        // A whole number too large for the type reads better as a range error.
        const auto d = parse_double(node.Scalar());
        if (d && *d == std::floor(*d) && *d > hi)
          throw UsageError(fmt::format("{}{} = {} is out of range: expected {}", src.prefix(), key.name,
                                       node.Scalar(), rule_text(key)));
        throw bad();
      }
      v = *u;
      break;
    }
    case Kind::kDouble: {
      if (!node.IsScalar()) throw bad();
      const auto d = parse_double(node.Scalar());
      if (!d) throw bad();
      v = *d;
      break;
    }
    case Kind::kString:
      if (node.IsNull()) v = std::string();
      else if (node.IsScalar()) v = node.Scalar();
      else throw bad();
      break;
    case Kind::kStringList: {
      std::vector<std::string> list;
      if (node.IsScalar()) {
        list.push_back(node.Scalar());
      } else if (node.IsSequence()) {
        for (const YAML::Node& item : node) {
          if (!item.IsScalar()) throw bad();
          list.push_back(item.Scalar());
        }
      } else if (!node.IsNull()) {
        throw bad();
      }
      v = std::move(list);
      break;
    }
  }
  const std::string problem = check(key, v);
  if (!problem.empty()) throw UsageError(src.prefix() + problem);
  return v;
}

// ---- writing ---------------------------------------------------------------------------------

bool plain_safe(const std::string& s) {
  if (s.empty()) return false;
  static const char* const kSpecial[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* w : kSpecial)
    if (lower == w) return false;
  if (s.front() == '-' || s == ".") return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' || c == '+' || c >= 0x80;
  });
}

std::string quote(const std::string& s) {
  if (plain_safe(s)) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string yaml_text(const Value& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&v)) return quote(*s);
  const auto& list = std::get<std::vector<std::string>>(v);
  std::vector<std::string> items;
  for (const std::string& s : list) items.push_back(quote(s));
  return fmt::format("[{}]", fmt::join(items, ", "));
}

enum class Comments { kNone, kDocs };

std::string emit(const Config& config, Comments comments) {
  std::string out;
  std::string section;
  size_t width = 0;
  for (const Key& k : keys()) width = std::max(width, k.leaf().size() + 2 + yaml_text(k.get(config)).size());
  for (const Key& k : keys()) {
    if (k.section() != section) {
      if (!section.empty() && comments == Comments::kDocs) out += "\n";
      section = k.section();
      out += section + ":\n";
    }
    std::string line = fmt::format("  {}: {}", k.leaf(), yaml_text(k.get(config)));
    if (comments == Comments::kDocs) {
      const std::string rule = rule_text(k);
      line = fmt::format("{:<{}}  # {}{}", line, width + 2, k.doc, rule.empty() ? "" : fmt::format(" [{}]", rule));
    }
    out += line + "\n";
  }
  return out;
}

void set_from_node(Config& config, const Key& key, const YAML::Node& node, const Source& src) {
  key.set(config, to_value(key, node, src));
}

}  // namespace

uint32_t resolved_threads(const TrainConfig& train) {
  if (train.deterministic) return 1;
  return train.threads ? train.threads : std::max(1u, std::thread::hardware_concurrency());
}

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: edits plus swaps of neighbours ("modle" -> "model" is 1).
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t cost = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                                    std::tolower(static_cast<unsigned char>(b[j - 1])) ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
    return d[a.size()][b.size()];
  };
  std::string best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (const std::string& c : candidates) {
    const size_t dist = distance(word, c);
    if (dist < best_distance) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

Config load_config(const std::string& path) {
  require_input_file(path, "");  // missing, a directory, unreadable: one line naming it
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read the config file ({})", path, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: error reading the config file", path));
  return parse_config(text.str(), path);
}

Config parse_config(const std::string& yaml, const std::string& where) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw UsageError(fmt::format("{}:{}:{}: not valid YAML: {}", where, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
  Config config;
  if (root.IsNull()) return config;
  if (!root.IsMap())
    throw UsageError(fmt::format("{}: expected sections (data, vocab, model, train, output, eval), got {}", where,
                                 describe(root)));
  const std::vector<std::string> sections = section_names();
  for (const auto& section : root) {
    const std::string name = section.first.as<std::string>("");
    const YAML::Node& body = section.second;
    const Source at{where, section.first.Mark().line};
    const bool known = std::find(sections.begin(), sections.end(), name) != sections.end();
    if (!body.IsMap()) {
      if (!known) throw UsageError(unknown_key_message(at, name, "section"));
      if (body.IsNull()) continue;  // an empty section
      throw UsageError(fmt::format("{}section '{}' must hold 'key: value' lines, got {}", at.prefix(), name, describe(body)));
    }
    for (const auto& entry : body) {
      const std::string full = name + "." + entry.first.as<std::string>("");
      const Source entry_at{where, entry.first.Mark().line};
      const Key* key = find_key(full);
      if (!key) throw UsageError(unknown_key_message(entry_at, full, "key"));
      set_from_node(config, *key, entry.second, entry_at);
    }
  }
  return config;
}

void set_value(Config& config, const std::string& key_name, const std::string& value,
               const std::string& where) {
  const Source src{where, -1};
  const Key* key = find_key(key_name);
  if (!key) throw UsageError(unknown_key_message(src, key_name, "key"));
  YAML::Node node;
  const bool structured = !value.empty() && std::strchr("[\"'{", value.front()) != nullptr;
  if (structured) {
    try {
      node = YAML::Load(value);
    } catch (const YAML::Exception& e) {
      throw UsageError(fmt::format("{}{}: '{}' is not valid YAML: {}", src.prefix(), key_name, value, e.msg));
    }
  } else {
    node = YAML::Node(value);  // taken as it is: no comments, no YAML typing
  }
  set_from_node(config, *key, node, src);
}

void apply_override(Config& config, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError(fmt::format("--set expects section.key=value (e.g. model.dim=300), got '{}'", assignment));
  auto trim = [](std::string s) {
    const char* ws = " \t";
    s.erase(0, s.find_first_not_of(ws));
    s.erase(s.find_last_not_of(ws) + 1);
    return s;
  };
  set_value(config, trim(assignment.substr(0, eq)), trim(assignment.substr(eq + 1)), "--set");
}

void validate(const Config& config) {
  for (const Key& key : keys()) {
    const std::string problem = check(key, key.get(config));
    if (!problem.empty()) throw UsageError(problem);
  }
  if (!config.data.corpus.empty() && !config.data.tokens.empty())
    throw UsageError("data.corpus and data.tokens are both set: give one (tokens is a prefix from `gemmvec prepare`)");
  for (const std::string& path : config.data.corpus)
    if (path.empty()) throw UsageError("data.corpus holds an empty path");
}

std::string to_yaml(const Config& config) { return emit(config, Comments::kNone); }

std::string config_template() {
  return "# gemmvec config template (`gemmvec init`): every key with its default, and what it means.\n"
         "# Paths are relative to the working directory. An experiment file lists only what it\n"
         "# changes; the command line overrides it: gemmvec train FILE --set model.dim=300\n\n" +
         emit(Config{}, Comments::kDocs);
}

}  // namespace gemmvec
