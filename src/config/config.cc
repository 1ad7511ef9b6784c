// gemmvec: the YAML config read and written through the key table (config_keys.h): parsing,
// overrides, validation, to_yaml and the commented template.
#include "gemmvec/config.h"

#include "base/file_errors.h"
#include "base/parse_number.h"
#include "config/config_keys.h"
#include "config/yaml_text.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
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

using namespace config_keys;

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

// A path key's value with `fn` applied to each non-empty path in it; other values unchanged.
Value map_paths(const Key& key, Value v, const std::function<std::string(const std::string&)>& fn) {
  if (!key.path) return v;
  const auto one = [&](std::string& p) {
    if (!p.empty()) p = fn(p);
  };
  if (auto* s = std::get_if<std::string>(&v)) one(*s);
  if (auto* list = std::get_if<std::vector<std::string>>(&v))
    for (std::string& p : *list) one(p);
  return v;
}

// Sets a key from a node; a relative path is taken from `folder` (path_in_folder).
void set_from_node(Config& config, const Key& key, const YAML::Node& node, const Source& src,
                   const std::string& folder) {
  key.set(config, map_paths(key, to_value(key, node, src),
                            [&](const std::string& p) { return path_in_folder(folder, p); }));
}

}  // namespace

Config with_absolute_paths(const Config& config) {
  const auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().string(); };
  Config c = config;
  for (const Key& key : keys())
    if (key.path) key.set(c, map_paths(key, key.get(c), absolute));
  return c;
}

std::string config_folder(const std::string& path) {
  const std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) return "";
  // Symlinks resolved, so "../data" leaves the folder the file is really in.
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::weakly_canonical(std::filesystem::absolute(folder), ec);
  return (ec ? std::filesystem::absolute(folder) : real).string();
}

std::string path_in_folder(const std::string& folder, const std::string& path) {
  if (folder.empty() || path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(folder) / path).lexically_normal().string();
}

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
  return parse_config(read_yaml_file(path, "the config file"), path, config_folder(path));
}

Config parse_config(const std::string& yaml, const std::string& where, const std::string& folder) {
  const YAML::Node root = parse_yaml(yaml, where);
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
      set_from_node(config, *key, entry.second, entry_at, folder);
    }
  }
  return config;
}

void set_value(Config& config, const std::string& key_name, const std::string& value,
               const std::string& where, const std::string& folder) {
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
  set_from_node(config, *key, node, src, folder);
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
  if (config.model.loss == "hs" && config.model.output_bias)
    throw UsageError("model.output_bias is for the sampled losses (neg, nce, softmax): hs has no output word rows to bias");
  if (config.train.step == "fused" && config.train.deterministic)
    throw UsageError("train.step: fused sums with atomics, so it is not deterministic; "
                     "with train.deterministic: true use train.step: gemm (or auto)");
  if (config.model.loss == "hs" && config.output.save_output)
    throw UsageError("output.save_output with model.loss hs: the output layer's rows are tree nodes, not words "
                     "(use a sampled loss to keep both sets of vectors)");
}

std::string to_yaml(const Config& config) { return emit(config, Comments::kNone); }

std::string config_template() {
  return "# gemmvec config template (`gemmvec init`): every key with its default, and what it means.\n"
         "# Paths are relative to this file's folder (on the command line, to the current one). An\n"
         "# experiment file lists only what it changes; the command line overrides it:\n"
         "# gemmvec train FILE --set model.dim=300\n\n" +
         emit(Config{}, Comments::kDocs);
}

}  // namespace gemmvec
