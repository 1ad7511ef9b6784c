// gemmvec CLI: one `gemmvec bench` point: each run a child process (this binary's `train`, or
// a peer's command from bench/peers.py), timed whole and its peak RSS read from wait4.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <fmt/format.h>

#include "bench.h"
#include "child_process.h"
#include "eval/scores.h"
#include "run/backends.h"

namespace gemmvec::bench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr size_t kMaxCurvePoints = 200;  // loss-curve entries kept per point

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last non-empty line of a log, for a failed run's error (a child's own one-line message).
std::string last_line(const std::string& log) {
  std::istringstream in(read_text(log));
  std::string line, last;
  while (std::getline(in, line)) {
    line.erase(line.find_last_not_of(" \t\r") + 1);
    const size_t cr = line.rfind('\r');  // a progress line redrawn in place
    if (cr != std::string::npos) line = line.substr(cr + 1);
    if (!line.empty()) last = line;
  }
  return last.size() > 400 ? last.substr(0, 400) + "..." : last;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The JSON-lines metrics log of a run: its pair count, and the loss curve thinned to at most
// kMaxCurvePoints entries (the last always kept).
void read_metrics(const std::string& path, json& out_curve, double& out_pairs) {
  std::ifstream in(path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(in, line)) {
    try {
      lines.push_back(json::parse(line));
    } catch (const json::exception&) {
      // a line cut by a crash: the curve stops there
    }
  }
  out_curve = json::array();
  out_pairs = lines.empty() ? 0 : lines.back().value("pairs", 0.0);
  const size_t step = lines.size() / kMaxCurvePoints + 1;
  for (size_t i = 0; i < lines.size(); ++i)
    if (i % step == 0 || i + 1 == lines.size())
      out_curve.push_back({{"seconds", lines[i].value("seconds", 0.0)}, {"words", lines[i].value("words", 0.0)},
                           {"loss", lines[i].value("loss", 0.0)}});
}

// A point's JSON with every field, null until measured.
json empty_point(const BenchPoint& p) {
  return {{"id", p.id}, {"tool", p.tool}, {"backend", p.backend}, {"settings", point_settings(p)},
          {"status", "ok"}, {"wall_seconds", nullptr}, {"words_per_second", nullptr}, {"vs_gensim", nullptr},
          {"pairs_per_second", nullptr}, {"peak_rss_mb", nullptr}, {"device_memory_mb", nullptr},
          {"final_loss", nullptr}, {"analogy", nullptr}, {"similarity", nullptr}, {"runs", json::array()}};
}

void set_status(json& point, const char* status, const std::string& why) {
  point["status"] = status;
  point[std::string(status) == "skipped" ? "reason" : "error"] = why;
}

// What a run's caller does around each child: prepares the run folder, gives the command, and
// reads what the run wrote (returning "" or the problem).
struct RunSteps {
  std::vector<std::string> argv;
  std::string log;
  std::function<void(uint32_t run)> before;
  std::function<std::string(json& run)> after;
};

// Warm-up and timed repeats; fills the point's runs and medians. False if a run failed.
bool run_repeats(const BenchContext& ctx, const BenchPoint& p, size_t index, size_t count, const RunSteps& steps,
                 json& point) {
  const BenchConfig& bench = *ctx.bench;
  const uint32_t total = bench.warmup + bench.repeats;
  std::vector<double> walls, wps, pps;
  double rss = 0;
  for (uint32_t r = 0; r < total; ++r) {
    steps.before(r);
    const ChildResult child = run_child(steps.argv, steps.log, bench.timeout);
    const bool warmup = r < bench.warmup;
    const std::string what = warmup ? fmt::format("warm-up {}/{}", r + 1, bench.warmup)
                                    : fmt::format("run {}/{}", r - bench.warmup + 1, bench.repeats);
    if (!child.ok()) {
      const std::string line = last_line(steps.log);
      set_status(point, "failed", fmt::format("{} {}{}{}", what, child.failure(), line.empty() ? "" : ": ", line));
      return false;
    }
    json run = {{"wall_seconds", child.wall_seconds}, {"peak_rss_mb", child.peak_rss_mb}};
    const std::string problem = steps.after(run);
    if (!problem.empty()) {
      set_status(point, "failed", fmt::format("{}: {}", what, problem));
      return false;
    }
    const double raw_words = run.value("raw_words", 0.0);
    const double epochs = p.config.train.epochs;
    run["words_per_second"] = raw_words * epochs / child.wall_seconds;
    fmt::print(stderr, "bench [{}/{}] {}: {}: {:.2f} s, {:.0f} words/s, peak RSS {:.0f} MB\n", index + 1, count, p.id,
               what, child.wall_seconds, run["words_per_second"].get<double>(), child.peak_rss_mb);
    if (warmup) continue;
    walls.push_back(child.wall_seconds);
    wps.push_back(run["words_per_second"].get<double>());
    if (run.contains("pairs")) pps.push_back(run["pairs"].get<double>() / child.wall_seconds);
    rss = std::max(rss, child.peak_rss_mb);
    point["runs"].push_back(std::move(run));
  }
  point["wall_seconds"] = median(walls);
  point["words_per_second"] = median(wps);
  if (!pps.empty()) point["pairs_per_second"] = median(pps);
  point["peak_rss_mb"] = rss;
  return true;
}

// Scores a vectors file as `gemmvec eval --json` does; the first analogy and similarity file
// also go to the point's flat analogy and similarity fields.
void score(const BenchContext& ctx, const std::string& vectors, json& point) {
  const EvalConfig& eval = ctx.bench->base.eval;
  if (eval.analogy.empty() && eval.similarity.empty()) return;
  try {
    json report = eval_report(vectors, eval.analogy, eval.similarity, eval.analogy_top_n);
    if (!report["analogy"].empty()) point["analogy"] = report["analogy"][0]["total"];
    if (!report["similarity"].empty()) point["similarity"] = report["similarity"][0]["spearman"];
    point["scores"] = {{"analogy_top_n", eval.analogy_top_n}, {"analogy", report["analogy"]},
                       {"similarity", report["similarity"]}};
  } catch (const std::exception& e) {
    set_status(point, "failed", fmt::format("scoring {}: {}", vectors, e.what()));
  }
}

json run_gemmvec(const BenchContext& ctx, const BenchPoint& p, size_t index, size_t count) {
  json point = empty_point(p);
  if (p.backend == "cuda") {
    const std::string why = find_backend("cuda").unavailable();
    if (!why.empty()) {
      set_status(point, "skipped", why);
      return point;
    }
  }
  const fs::path dir = fs::path(ctx.runs_dir) / p.id;
  const fs::path run_dir = dir / "run";
  fs::create_directories(dir);
  Config c = p.config;
  if (!ctx.corpus_text.empty()) {
    c.data.corpus = {ctx.corpus_text};
    c.data.tokens.clear();
  }
  c.data.cache_dir = (dir / "cache").string();
  c.output.path = (run_dir / "vectors.bin").string();
  c.output.format = "bin";
  c.output.metrics = (run_dir / "metrics.jsonl").string();
  c.output.vocab.clear();
  c.vocab.save.clear();
  c.eval = EvalConfig{};  // scored after the timing, as the peers are
  c.train.progress_seconds = 0.1;  // a loss curve even for runs of a second
  const std::string yaml = (dir / "train.yaml").string();
  std::ofstream(yaml) << to_yaml(with_absolute_paths(c));  // read from its own folder: absolute paths

  RunSteps steps;
  steps.argv = {ctx.self, "train", yaml, "--quiet"};
  steps.log = (dir / "train.log").string();
  json last_report;
  steps.before = [&](uint32_t) {
    if (ctx.bench->token_cache == TokenCacheMode::kCold) fs::remove_all(dir / "cache");
    fs::remove_all(run_dir);
    fs::create_directories(run_dir);
    fs::remove(steps.log);
  };
  steps.after = [&](json& run) -> std::string {
    try {
      last_report = json::parse(read_text(c.output.path + ".json"));
    } catch (const json::exception&) {
      return "the run wrote no readable " + c.output.path + ".json";
    }
    run["raw_words"] = ctx.raw_words ? ctx.raw_words : last_report.value("raw_words_per_epoch", uint64_t{0});
    run["train_seconds"] = last_report.value("train_seconds", 0.0);
    run["train_words_per_second"] = last_report.value("words_per_second", 0.0);
    json curve;
    double pairs = 0;
    read_metrics(c.output.metrics, curve, pairs);
    // The GEMM pipeline counts every pair it trains; the cpu backend's log counts only the
    // pairs whose loss it samples, so it has no pairs/s.
    if (pairs > 0 && p.backend != "cpu") run["pairs"] = pairs;
    run["loss_curve"] = std::move(curve);
    return "";
  };
  if (!run_repeats(ctx, p, index, count, steps, point)) return point;

  point["final_loss"] = last_report.value("final_loss", 0.0);
  point["resolved"] = {{"backend", last_report.value("backend", "")}, {"threads", last_report.value("threads", 0)},
                       {"group_size", last_report.value("group_size", 0)},
                       {"group_negatives", last_report.value("group_negatives", 0)},
                       {"batch_words", last_report.value("batch_words", 0)}};
  if (last_report.contains("device_memory_mb")) point["device_memory_mb"] = last_report["device_memory_mb"];
  // The loss curve of the last repeat only; the other runs keep their numbers.
  // (ordered_json keeps its keys in a vector: no reference into it outlives an insertion.)
  json curve = point["runs"].back()["loss_curve"];
  for (json& r : point["runs"]) r.erase("loss_curve");
  point["loss_curve"] = std::move(curve);
  score(ctx, c.output.path, point);
  return point;
}

json run_peer(const BenchContext& ctx, const BenchPoint& p, size_t index, size_t count) {
  json point = empty_point(p);
  if (ctx.corpus_text.empty()) {
    set_status(point, "skipped", "peers need a text corpus (the config trains from data.tokens)");
    return point;
  }
  if (ctx.python.empty()) {
    set_status(point, "skipped", "/usr/bin/python3 not found (peers run with Debian's python3)");
    return point;
  }
  if (ctx.peers_script.empty()) {
    set_status(point, "skipped", "bench/peers.py not found (run gemmvec bench from the repository root)");
    return point;
  }
  const fs::path dir = fs::path(ctx.runs_dir) / p.id;
  const fs::path run_dir = dir / "run";
  fs::create_directories(dir);
  const Config& c = p.config;
  const std::string log = (dir / "train.log").string();
  const std::vector<std::string> ask = {
      ctx.python, ctx.peers_script, "command", "--tool", p.tool, "--model", model_short_name(c.model.type),
      "--dim", std::to_string(c.model.dim), "--window", std::to_string(c.model.window),
      "--negative", std::to_string(c.model.negative), "--sample", fmt::format("{}", c.model.sample),
      "--min-count", std::to_string(c.vocab.min_count), "--epochs", std::to_string(c.train.epochs),
      "--threads", std::to_string(c.train.threads), "--alpha", fmt::format("{}", c.alpha()),
      "--corpus", ctx.corpus_text, "--out", (run_dir / "vectors").string()};
  ChildResult asked;
  const std::string answer = capture_child(ask, log, ctx.bench->timeout, &asked);
  json cmd;
  std::string problem = asked.ok() ? "" : asked.failure();
  if (problem.empty()) {
    try {
      cmd = json::parse(answer);
    } catch (const json::exception&) {
      problem = "printed no JSON";
    }
  }
  if (!problem.empty()) {
    const std::string line = last_line(log);
    set_status(point, "failed", fmt::format("{} command {}{}{}", ctx.peers_script, problem, line.empty() ? "" : ": ", line));
    return point;
  }
  if (cmd.contains("skipped")) {
    set_status(point, "skipped", cmd["skipped"].get<std::string>());
    return point;
  }
  if (cmd.contains("version")) point["version"] = cmd["version"];
  RunSteps steps;
  steps.argv = cmd["argv"].get<std::vector<std::string>>();
  steps.log = log;
  const std::string vectors = cmd["vectors"].get<std::string>();
  steps.before = [&](uint32_t) {
    fs::remove_all(run_dir);
    fs::create_directories(run_dir);
    fs::remove(log);
  };
  steps.after = [&](json& run) -> std::string {
    if (!fs::exists(vectors)) return "no vectors at " + vectors;
    run["raw_words"] = ctx.raw_words;
    return "";
  };
  if (!run_repeats(ctx, p, index, count, steps, point)) return point;
  score(ctx, vectors, point);
  return point;
}

}  // namespace

json point_settings(const BenchPoint& p) {
  const Config& c = p.config;
  json s = {{"model", model_short_name(c.model.type)}, {"dim", c.model.dim}, {"threads", c.train.threads},
            {"window", c.model.window}, {"negative", c.model.negative}, {"sample", c.model.sample},
            {"min_count", c.vocab.min_count}, {"epochs", c.train.epochs}, {"alpha", c.alpha()}};
  if (p.tool == "gemmvec") {
    s["group_size"] = c.train.group_size;
    s["group_negatives"] = c.train.group_negatives;
    s["batch_words"] = c.train.batch_words;
  }
  return s;
}

json run_bench_point(const BenchContext& ctx, const BenchPoint& point, size_t index, size_t count) {
  json out;
  try {
    out = point.tool == "gemmvec" ? run_gemmvec(ctx, point, index, count) : run_peer(ctx, point, index, count);
  } catch (const std::exception& e) {  // a filesystem error in the runs folder, say
    out = empty_point(point);
    set_status(out, "failed", e.what());
  }
  if (out["status"] != "ok")
    fmt::print(stderr, "bench [{}/{}] {}: {}: {}\n", index + 1, count, point.id, out["status"].get<std::string>(),
               out.value("reason", out.value("error", std::string())));
  std::error_code ec;
  fs::remove_all(fs::path(ctx.runs_dir) / point.id / "run", ec);  // vectors are large; the logs stay
  return out;
}

}  // namespace gemmvec::bench
