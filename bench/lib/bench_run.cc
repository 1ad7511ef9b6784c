// gemmvec bench: a whole bench run: every grid point and peer tool timed as a child process on
// the same text; DIR/results.json, DIR/results.csv and DIR/*.png.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bench.h"
#include "child_process.h"
#include "run/backends.h"
#include "run/output_paths.h"
#include "bench_grid.h"
#include "data/corpus_reader.h"

namespace gemmvec::bench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr const char* kPython = "/usr/bin/python3";  // Debian's, where python3-gensim lives

struct CorpusText {
  std::string path;
  uint64_t lines = 0, words = 0;
};

struct StopReading {};

bool compressed(const std::string& path) {
  const auto ext = fs::path(path).extension();
  return ext == ".gz" || ext == ".xz";
}

// The text every tool trains on: the corpus files as one plain file (the first corpus_lines
// lines), decompressed once outside every timing; the file itself when it is already that.
CorpusText prepare_text(const BenchConfig& bench, const fs::path& runs) {
  const std::vector<std::string>& files = bench.base.data.corpus;
  CorpusText text;
  const bool as_is = files.size() == 1 && !compressed(files[0]) && bench.corpus_lines == 0;
  text.path = as_is ? files[0] : (runs / "corpus.txt").string();
  std::ofstream out;
  if (!as_is) out.open(text.path, std::ios::binary);
  ReaderLimits limits;
  limits.max_sentence_length = 1u << 30;  // keep lines whole: each tool cuts them its own way
  limits.max_token_bytes = 1u << 20;
  std::string line;
  try {
    read_corpus(files, limits, [&](const std::vector<std::string_view>& tokens) {
      if (tokens.empty()) return;
      if (bench.corpus_lines && text.lines == bench.corpus_lines) throw StopReading{};
      ++text.lines;
      text.words += tokens.size();
      if (as_is) return;
      line.clear();
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i) line += ' ';
        line.append(tokens[i]);
      }
      line += '\n';
      out.write(line.data(), static_cast<std::streamsize>(line.size()));
    });
  } catch (const StopReading&) {
  }
  if (!as_is && !out.good()) throw InputError(fmt::format("{}: cannot write the bench corpus", text.path));
  return text;
}

// A Python helper of the bench (peers.py, plots.py), installed beside the binary: BIN/gemmvec,
// BIN/../share/gemmvec/NAME (the build folder has the same layout); "" if it is not there.
std::string find_script(const std::string& name) {
  std::error_code ec;
  const fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  const fs::path p = exe_dir / ".." / "share" / "gemmvec" / name;
  return fs::is_regular_file(p, ec) ? fs::weakly_canonical(p).string() : "";
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string corpus_description(const BenchConfig& bench) {
  const Config& c = bench.base;
  std::string what = c.data.tokens.empty() ? fmt::format("{}", fmt::join(c.data.corpus, ", "))
                                           : fmt::format("{} (prepared tokens)", c.data.tokens);
  if (bench.corpus_lines) what += fmt::format(" (first {} lines)", bench.corpus_lines);
  return what;
}

void print_grid(const BenchConfig& bench) {
  const Config& c = bench.base;
  fmt::print("bench {}: {} points, {} warm-up + {} timed runs each, token cache {}\n", bench.path,
             bench.points.size(), bench.warmup, bench.repeats,
             bench.token_cache == TokenCacheMode::kWarm ? "warm" : "cold");
  fmt::print("corpus: {}\n", corpus_description(bench));
  fmt::print("common: window {}, negative {}, sample {}, min_count {}, epochs {}\n", c.model.window, c.model.negative,
             c.model.sample, c.vocab.min_count, c.train.epochs);
  fmt::print("eval: analogy [{}] (top {}), similarity [{}]\n", fmt::join(c.eval.analogy, ", "), c.eval.analogy_top_n,
             fmt::join(c.eval.similarity, ", "));
  fmt::print("{:<28} {:<9} {:<10} {:<5} {:>5} {:>7} {:>6} {:>8}\n", "point", "tool", "backend", "model", "dim",
             "threads", "group", "batch");
  const std::string no_cuda = find_backend("cuda").unavailable();
  for (const BenchPoint& p : bench.points) {
    const bool gem = p.tool == "gemmvec";
    fmt::print("{:<28} {:<9} {:<10} {:<5} {:>5} {:>7} {:>6} {:>8}{}\n", p.id, p.tool, p.backend,
               model_short_name(p.config.model.type), p.config.model.dim, p.config.train.threads,
               gem ? std::to_string(p.config.train.group_size) : "-",
               gem ? std::to_string(p.config.train.batch_words) : "-",
               p.backend == "cuda" && !no_cuda.empty() ? "  (skipped here: " + no_cuda + ")" : "");
  }
}

// Runs bench/plots.py on results.json; one line if it cannot.
void make_plots(const BenchContext& ctx, const fs::path& out) {
  const std::string script = find_script("plots.py");
  if (ctx.python.empty() || script.empty()) {
    fmt::print(stderr, "bench: no plots: {} not found\n", ctx.python.empty() ? kPython : "share/gemmvec/plots.py");
    return;
  }
  const std::string log = (fs::path(ctx.runs_dir) / "plots.log").string();
  const ChildResult r = run_child({ctx.python, script, (out / "results.json").string(), "--out", out.string()}, log,
                                  ctx.bench->timeout);
  std::ifstream in(log);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) fmt::print(stderr, "bench: {}\n", line);
  if (!r.ok() && r.exit_code != 3) fmt::print(stderr, "bench: plots failed ({})\n", r.failure());
}

}  // namespace

int run_bench(const BenchOptions& options) {
  const BenchConfig bench = load_bench_config(options.config);
  if (options.dry_run) {
    print_grid(bench);
    return 0;
  }
  const std::string& out_arg = options.out;
  if (out_arg.empty())
    throw UsageError("bench needs --out DIR (it writes DIR/results.json, DIR/results.csv and DIR/*.png)");
  check_input_files(run_inputs(bench.base, ""));

  const auto t0 = std::chrono::steady_clock::now();
  const fs::path out(out_arg);
  // A fresh folder of its own for the training outputs, so nothing already in DIR is touched.
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw UsageError(fmt::format("--out {}: is a file, not a folder (bench writes DIR/results.json, DIR/*.png)", out.string()));
  fs::create_directories(out, ec);
  if (ec) throw InputError(fmt::format("--out {}: cannot make the folder: {}", out.string(), ec.message()));
  std::string runs_template = (out / "runs-XXXXXX").string();
  if (!::mkdtemp(runs_template.data()))
    throw InputError(fmt::format("{}: cannot make a folder for the runs ({})", out.string(), std::strerror(errno)));
  const fs::path runs = runs_template;
  BenchContext ctx;
  ctx.bench = &bench;
  ctx.runs_dir = runs.string();
  // The children exec this very binary, even if a rebuild replaces the file meanwhile.
  ctx.self = "/proc/self/exe";
  ctx.python = ::access(kPython, X_OK) == 0 ? kPython : "";
  ctx.peers_script = find_script("peers.py");
  CorpusText text;
  if (!bench.base.data.corpus.empty()) {
    fmt::print(stderr, "bench: reading {}\n", corpus_description(bench));
    text = prepare_text(bench, runs);
    ctx.corpus_text = text.path;
    ctx.raw_words = text.words;
  }
  fmt::print(stderr, "bench: {} points, {} warm-up + {} timed runs each; {} lines, {} words\n", bench.points.size(),
             bench.warmup, bench.repeats, text.lines, text.words);

  json points = json::array();
  for (size_t i = 0; i < bench.points.size(); ++i)
    points.push_back(run_bench_point(ctx, bench.points[i], i, bench.points.size()));
  add_gensim_ratios(points);

  const Config& c = bench.base;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  json results = {
      {"gemmvec", options.version},
      {"bench", bench.path},
      {"started", utc_now()},
      {"machine", {{"cpu", cpu_model()}, {"hardware_threads", std::thread::hardware_concurrency()},
                   {"cuda", find_backend("cuda").unavailable().empty() ? "available" : find_backend("cuda").unavailable()}}},
      {"corpus", {{"files", c.data.tokens.empty() ? json(c.data.corpus) : json(c.data.tokens)},
                  {"lines", text.lines}, {"raw_words", text.words}, {"corpus_lines", bench.corpus_lines}}},
      {"warmup", bench.warmup},
      {"repeats", bench.repeats},
      {"token_cache", bench.token_cache == TokenCacheMode::kWarm ? "warm" : "cold"},
      {"eval", {{"analogy", c.eval.analogy}, {"similarity", c.eval.similarity}, {"analogy_top_n", c.eval.analogy_top_n}}},
      {"definitions",
       {{"words_per_second", "corpus words x epochs / wall seconds of the whole training process (median of the repeats)"},
        {"pairs_per_second", "training pairs (gemmvec's metrics log) / the same wall seconds"},
        {"peak_rss_mb", "ru_maxrss of the process (wait4), the largest over the repeats"},
        {"analogy", "total accuracy (%) on the first analogy file, top-N vocabulary, as gemmvec eval"},
        {"similarity", "Spearman rho on the first similarity file, as gemmvec eval"},
        {"final_loss", "gemmvec's mean sampled loss of the last progress interval: the loss curve's "
                        "last point (OUT.json)"}}},
      {"bench_seconds", seconds},
      {"points", points}};
  fs::create_directories(out);
  std::ofstream(out / "results.json") << results.dump(2) << "\n";
  std::ofstream(out / "results.csv") << bench_csv(points);
  fmt::print("{}", bench_table(points));
  std::fflush(stdout);
  if (bench.plots) make_plots(ctx, out);
  if (options.keep_runs) fmt::print(stderr, "bench: training outputs and logs kept in {}\n", runs.string());
  else fs::remove_all(runs);

  size_t ok = 0, skipped = 0, failed = 0;
  for (const json& p : points) (p["status"] == "ok" ? ok : p["status"] == "skipped" ? skipped : failed)++;
  fmt::print(stderr, "bench: {} ok, {} skipped, {} failed in {:.0f} s; wrote {}, {}\n", ok, skipped, failed, seconds,
             (out / "results.json").string(), (out / "results.csv").string());
  return 0;
}

}  // namespace gemmvec::bench
