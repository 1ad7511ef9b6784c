// gemmvec bench: inside a bench run: running one grid point, and the reports of a run.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "bench_grid.h"

namespace gemmvec::bench {

// What every point of one bench run shares.
struct BenchContext {
  const BenchConfig* bench = nullptr;
  std::string runs_dir;       // per-point training outputs (removed at the end)
  std::string corpus_text;    // the plain text every tool trains on ("" with data.tokens)
  uint64_t raw_words = 0;     // words in corpus_text (0: unknown; OUT.json's count is used)
  std::string self;           // this gemmvec binary (/proc/self/exe), run as `train` for each gemmvec point
  std::string python;         // /usr/bin/python3 ("" if missing)
  std::string peers_script;   // share/gemmvec/peers.py beside the binary ("" if not found)
};

// Runs one point: warm-up, then the timed repeats, each a child process; scores the vectors of
// the last repeat. Never throws for the point's own trouble: the status says "ok", "skipped"
// (with a reason) or "failed" (with the error).
nlohmann::ordered_json run_bench_point(const BenchContext& ctx, const BenchPoint& point, size_t index,
                                       size_t count);

// The settings of a point as results.json writes them.
nlohmann::ordered_json point_settings(const BenchPoint& point);

// Fills each ok point's vs_gensim: its words/s over that of the gensim point of the same model
// and dim (the same thread count if there is one) in the same run.
void add_gensim_ratios(nlohmann::ordered_json& points);

// results.csv: one row per point, the measured columns of results.json.
std::string bench_csv(const nlohmann::ordered_json& points);
// A Markdown table of the points, for the terminal and the docs.
std::string bench_table(const nlohmann::ordered_json& points);

// A whole bench run (`gemmvec bench`).
struct BenchOptions {
  std::string config;       // the bench config (YAML)
  std::string out;          // DIR: results.json, results.csv, *.png
  bool dry_run = false;     // print the expanded grid, run nothing
  bool keep_runs = false;   // keep DIR/runs-XXXXXX (training outputs and logs)
  std::string version;      // gemmvec's version, recorded in results.json
};
// Runs every point and writes the reports; returns the exit code (0: the bench ran, whatever
// its points' status). Throws UsageError/InputError for a bad config or input.
int run_bench(const BenchOptions& options);

}  // namespace gemmvec::bench
