// gemmvec: bench configs: parse the YAML (base config, overrides, grid, peers) and expand the
// grid into points, each a full training config.
#include "bench_grid.h"

#include "base/parse_number.h"
#include "config/yaml_text.h"
#include "run/backends.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace gemmvec::bench {
namespace {

const std::vector<std::string> kTopKeys = {"base", "set", "corpus", "corpus_lines", "warmup", "repeats",
                                           "token_cache", "eval", "grid", "peers", "plots", "timeout"};
const std::vector<std::string> kEvalKeys = {"analogy", "similarity", "analogy_top_n"};
// Grid axes, in the order points are expanded, and the config key each one sets.
const std::vector<std::pair<std::string, std::string>> kAxes = {
    {"backend", "train.backend"}, {"model", "model.type"},       {"dim", "model.dim"},
    {"threads", "train.threads"}, {"group_size", "train.group_size"}, {"batch_words", "train.batch_words"}};
const std::vector<std::string> kPeerKeys = {"tools", "threads", "model", "dim"};
const std::vector<std::string> kModels = {"sg", "cbow", "skipgram"};
const std::vector<std::string> kPeers = {"gensim", "fasttext"};

// "file.yaml:7: " for messages about a node.
std::string at(const std::string& where, const YAML::Node& node) {
  const int line = node.Mark().line;
  return line >= 0 ? fmt::format("{}:{}: ", where, line + 1) : fmt::format("{}: ", where);
}

std::string key_name(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string("?"); }

UsageError unknown(const std::string& where, const YAML::Node& key, const std::string& what,
                   const std::string& prefix, const std::vector<std::string>& valid) {
  return UsageError(fmt::format("{}unknown {} '{}{}' (did you mean '{}{}'?)", at(where, key), what, prefix,
                                key_name(key), prefix, closest_match(key_name(key), valid)));
}

// A node as the text set_value() takes: a scalar as it is, a list in flow style ("[a, b]").
std::string node_text(const YAML::Node& node) {
  if (node.IsScalar()) return node.Scalar();
  if (node.IsNull()) return "[]";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

uint64_t to_count(const std::string& where, const std::string& key, const YAML::Node& node, uint64_t lo) {
  const std::optional<uint64_t> parsed = parse_unsigned(node.IsScalar() ? node.Scalar() : "");
  if (!parsed)
    throw UsageError(fmt::format("{}{}: expected a non-negative integer, got {}", at(where, node), key, describe(node)));
  const uint64_t v = *parsed;
  if (v < lo) throw UsageError(fmt::format("{}{} = {} is out of range: expected >= {}", at(where, node), key, v, lo));
  return v;
}

std::string to_choice(const std::string& where, const std::string& key, const YAML::Node& node,
                      const std::vector<std::string>& choices) {
  if (!node.IsScalar())
    throw UsageError(fmt::format("{}{}: expected one of {}, got {}", at(where, node), key, fmt::join(choices, ", "),
                                 describe(node)));
  const std::string& v = node.Scalar();
  if (std::find(choices.begin(), choices.end(), v) == choices.end())
    throw UsageError(fmt::format("{}{} = '{}' is not valid: expected one of {} (did you mean '{}'?)", at(where, node),
                                 key, v, fmt::join(choices, ", "), closest_match(v, choices)));
  return v;
}

// A scalar or a list of scalars, as a list; an empty list is an error naming the key.
std::vector<YAML::Node> values_of(const std::string& where, const std::string& key, const YAML::Node& node) {
  std::vector<YAML::Node> out;
  if (node.IsScalar()) out.push_back(node);
  if (node.IsSequence())
    for (const YAML::Node& item : node) {
      if (!item.IsScalar())
        throw UsageError(fmt::format("{}{}: expected a value or a list of values, got a nested {}", at(where, item), key,
                                     describe(item)));
      out.push_back(item);
    }
  if (out.empty())
    throw UsageError(fmt::format("{}{}: expected a value or a list of values, got {}", at(where, node), key,
                                 node.IsSequence() ? "an empty list" : describe(node)));
  return out;
}

// Sets one config key from a bench file's node; errors name the file, the line and the key. A
// relative path is taken from `folder`, the bench file's (grid axes hold no paths).
void set_key(Config& config, const std::string& key, const YAML::Node& node, const std::string& where,
             const std::string& folder = "") {
  const std::string src = at(where, node);
  set_value(config, key, node_text(node), src.substr(0, src.size() - 2), folder);
}

// The backends a grid may name: the run's table.
std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const BackendEntry& b : backends()) names.emplace_back(b.name);
  return names;
}

// Sets one grid axis on a point's config.
void set_axis(Config& config, const std::string& axis, const std::string& key, const YAML::Node& value,
              const std::string& where) {
  if (axis == "backend") {
    config.train.backend = to_choice(where, "grid.backend", value, backend_names());
  } else if (axis == "model") {
    const std::string m = to_choice(where, "grid.model", value, kModels);
    config.model.type = m == "cbow" ? ModelType::kCbow : ModelType::kSkipGram;
  } else {
    set_key(config, key, value, where);
  }
}

std::string point_id(const std::string& tool_or_backend, const Config& c) {
  std::string id = fmt::format("{}-{}-d{}-t{}", tool_or_backend, model_short_name(c.model.type), c.model.dim,
                               resolved_threads(c.train));
  if (c.train.group_size) id += fmt::format("-g{}", c.train.group_size);
  if (c.train.batch_words) id += fmt::format("-b{}", c.train.batch_words);
  return id;
}

// The points of one grid block: the product of its axes, each axis absent from the block
// keeping the base config's value.
void expand_block(const YAML::Node& block, const BenchConfig& bench, const std::string& where,
                  std::vector<BenchPoint>& out) {
  if (!block.IsMap())
    throw UsageError(fmt::format("{}grid: expected a mapping of axes (backend, model, dim, threads, group_size, "
                                 "batch_words) or a list of them, got {}", at(where, block), describe(block)));
  std::vector<std::string> axis_names;
  for (const auto& [axis, key] : kAxes) axis_names.push_back(axis);
  std::vector<std::pair<size_t, std::vector<YAML::Node>>> axes;  // (index in kAxes, values)
  for (const auto& entry : block) {
    const std::string name = key_name(entry.first);
    const auto it = std::find(axis_names.begin(), axis_names.end(), name);
    if (it == axis_names.end()) throw unknown(where, entry.first, "grid key", "grid.", axis_names);
    axes.emplace_back(it - axis_names.begin(), values_of(where, "grid." + name, entry.second));
  }
  std::sort(axes.begin(), axes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (axes.empty() || axes.front().first != 0)
    throw UsageError(fmt::format("{}grid: every block needs a backend (one of {})", at(where, block),
                                 fmt::join(backend_names(), ", ")));

  std::vector<size_t> index(axes.size(), 0);
  while (true) {
    BenchPoint p;
    p.tool = "gemmvec";
    p.config = bench.base;
    for (size_t a = 0; a < axes.size(); ++a)
      set_axis(p.config, kAxes[axes[a].first].first, kAxes[axes[a].first].second, axes[a].second[index[a]], where);
    validate(p.config);
    p.backend = p.config.train.backend;
    p.id = point_id(p.backend, p.config);
    out.push_back(std::move(p));
    size_t a = axes.size();
    while (a > 0 && ++index[a - 1] == axes[a - 1].second.size()) index[--a] = 0;
    if (a == 0) break;
  }
}

// Peer points: every tool at every (model, dim) of the gemmvec points (or the peers' own model
// and dim lists) and every peer thread count.
void expand_peers(const YAML::Node& node, BenchConfig& bench, const std::string& where) {
  std::vector<YAML::Node> tools, threads, models, dims;
  if (node.IsSequence() || node.IsScalar()) {
    tools = values_of(where, "peers", node);
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string name = key_name(entry.first);
      if (std::find(kPeerKeys.begin(), kPeerKeys.end(), name) == kPeerKeys.end())
        throw unknown(where, entry.first, "peers key", "peers.", kPeerKeys);
      std::vector<YAML::Node> v = values_of(where, "peers." + name, entry.second);
      (name == "tools" ? tools : name == "threads" ? threads : name == "model" ? models : dims) = std::move(v);
    }
    if (tools.empty()) throw UsageError(fmt::format("{}peers: needs tools (one or more of {})", at(where, node),
                                                    fmt::join(kPeers, ", ")));
  } else if (!node.IsNull()) {
    throw UsageError(fmt::format("{}peers: expected a list of tools or a mapping, got {}", at(where, node), describe(node)));
  }
  if (tools.empty()) return;

  // (model, dim) pairs: the gemmvec points' unless the peers name their own.
  std::vector<std::pair<ModelType, uint32_t>> shapes;
  auto add_shape = [&](ModelType m, uint32_t d) {
    if (std::find(shapes.begin(), shapes.end(), std::make_pair(m, d)) == shapes.end()) shapes.emplace_back(m, d);
  };
  if (models.empty() && dims.empty()) {
    for (const BenchPoint& p : bench.points) add_shape(p.config.model.type, p.config.model.dim);
    if (shapes.empty()) add_shape(bench.base.model.type, bench.base.model.dim);
  } else {
    std::vector<ModelType> ms;
    std::vector<uint32_t> ds;
    for (const YAML::Node& m : models) {
      Config c = bench.base;
      set_axis(c, "model", "model.type", m, where);
      ms.push_back(c.model.type);
    }
    for (const YAML::Node& d : dims) {
      Config c = bench.base;
      set_axis(c, "dim", "model.dim", d, where);
      ds.push_back(c.model.dim);
    }
    for (const BenchPoint& p : bench.points) {
      if (models.empty() && std::find(ms.begin(), ms.end(), p.config.model.type) == ms.end()) ms.push_back(p.config.model.type);
      if (dims.empty() && std::find(ds.begin(), ds.end(), p.config.model.dim) == ds.end()) ds.push_back(p.config.model.dim);
    }
    if (ms.empty()) ms.push_back(bench.base.model.type);
    if (ds.empty()) ds.push_back(bench.base.model.dim);
    for (ModelType m : ms)
      for (uint32_t d : ds) add_shape(m, d);
  }
  std::vector<uint32_t> thread_counts;
  for (const YAML::Node& t : threads) {
    Config c = bench.base;
    set_key(c, "train.threads", t, where);
    thread_counts.push_back(resolved_threads(c.train));
  }
  if (thread_counts.empty()) thread_counts.push_back(resolved_threads(bench.base.train));

  for (const YAML::Node& t : tools) {
    const std::string tool = to_choice(where, "peers.tools", t, kPeers);
    for (const auto& [model, dim] : shapes)
      for (uint32_t n : thread_counts) {
        BenchPoint p;
        p.tool = p.backend = tool;
        p.config = bench.base;
        p.config.model.type = model;
        p.config.model.dim = dim;
        p.config.train.threads = n;
        p.config.train.backend = "cpu";
        p.id = point_id(tool, p.config);
        bench.points.push_back(std::move(p));
      }
  }
}

}  // namespace

std::string model_short_name(ModelType type) { return type == ModelType::kCbow ? "cbow" : "sg"; }

BenchConfig load_bench_config(const std::string& path) {
  return parse_bench_config(read_yaml_file(path, "the bench config"), path, config_folder(path));
}

BenchConfig parse_bench_config(const std::string& yaml, const std::string& where, const std::string& folder) {
  const YAML::Node root = parse_yaml(yaml, where);
  if (!root.IsMap())
    throw UsageError(fmt::format("{}: expected bench keys ({}), got {}", where, fmt::join(kTopKeys, ", "), describe(root)));
  std::map<std::string, YAML::Node> keys;
  for (const auto& entry : root) {
    const std::string name = key_name(entry.first);
    if (std::find(kTopKeys.begin(), kTopKeys.end(), name) == kTopKeys.end())
      throw unknown(where, entry.first, "bench key", "", kTopKeys);
    keys[name] = entry.second;
  }
  auto has = [&](const char* k) { return keys.count(k) && !keys[k].IsNull(); };

  BenchConfig bench;
  bench.path = where;
  // The base config, then the overrides, the corpus and the eval sets, in that order whatever
  // the order in the file.
  if (has("base")) {
    if (!keys["base"].IsScalar())
      throw UsageError(fmt::format("{}base: expected the path of a train config, got {}", at(where, keys["base"]),
                                   describe(keys["base"])));
    bench.base = load_config(path_in_folder(folder, keys["base"].Scalar()));
  }
  if (has("set")) {
    const YAML::Node& set = keys["set"];
    if (!set.IsMap())
      throw UsageError(fmt::format("{}set: expected 'section.key: value' lines, got {}", at(where, set), describe(set)));
    for (const auto& entry : set) set_key(bench.base, key_name(entry.first), entry.second, where, folder);
  }
  if (has("corpus")) {
    set_key(bench.base, "data.corpus", keys["corpus"], where, folder);
    bench.base.data.tokens.clear();
  }
  if (has("eval")) {
    const YAML::Node& eval = keys["eval"];
    if (!eval.IsMap())
      throw UsageError(fmt::format("{}eval: expected analogy, similarity and analogy_top_n, got {}", at(where, eval),
                                   describe(eval)));
    bench.base.eval.analogy.clear();
    bench.base.eval.similarity.clear();
    for (const auto& entry : eval) {
      const std::string name = key_name(entry.first);
      if (std::find(kEvalKeys.begin(), kEvalKeys.end(), name) == kEvalKeys.end())
        throw unknown(where, entry.first, "eval key", "eval.", kEvalKeys);
      set_key(bench.base, "eval." + name, entry.second, where, folder);
    }
  }
  if (has("corpus_lines")) bench.corpus_lines = to_count(where, "corpus_lines", keys["corpus_lines"], 0);
  if (has("warmup")) bench.warmup = static_cast<uint32_t>(to_count(where, "warmup", keys["warmup"], 0));
  if (has("repeats")) bench.repeats = static_cast<uint32_t>(to_count(where, "repeats", keys["repeats"], 1));
  if (has("token_cache"))
    bench.token_cache = to_choice(where, "token_cache", keys["token_cache"], {"cold", "warm"}) == "warm"
                            ? TokenCacheMode::kWarm : TokenCacheMode::kCold;
  if (has("plots")) {
    const std::string v = to_choice(where, "plots", keys["plots"], {"true", "false"});
    bench.plots = v == "true";
  }
  if (has("timeout")) bench.timeout = static_cast<double>(to_count(where, "timeout", keys["timeout"], 0));
  validate(bench.base);
  if (bench.base.data.corpus.empty() && bench.base.data.tokens.empty())
    throw UsageError(fmt::format("{}: no corpus: set corpus (text files), or a base config with data.corpus or data.tokens",
                                 where));

  if (has("grid")) {
    const YAML::Node& grid = keys["grid"];
    if (grid.IsSequence()) {
      for (const YAML::Node& block : grid) expand_block(block, bench, where, bench.points);
    } else {
      expand_block(grid, bench, where, bench.points);
    }
  }
  if (has("peers")) expand_peers(keys["peers"], bench, where);
  if (bench.points.empty())
    throw UsageError(fmt::format("{}: nothing to run: give a grid (e.g. grid: {{backend: cpu, threads: [1, 2]}}) or peers",
                                 where));
  // Blocks may overlap: a point named twice runs once.
  std::set<std::string> seen;
  std::vector<BenchPoint> unique;
  for (BenchPoint& p : bench.points)
    if (seen.insert(p.id).second) unique.push_back(std::move(p));
  bench.points = std::move(unique);
  return bench;
}

}  // namespace gemmvec::bench
