// gemmvec CLI: `gemmvec bench CONFIG.yaml --out DIR`: the bench library (bench/lib) does the work.
#include <fmt/format.h>

#include "bench.h"
#include "commands.h"

namespace gemmvec::cli {
namespace {

const char kBenchUsage[] =
    "usage: gemmvec bench CONFIG.yaml --out DIR [--dry-run] [--keep-runs]\n\n"
    "Times gemmvec's backends over a grid of settings, and gensim and fastText at the same\n"
    "settings, on the same text. Each point runs as a child process after its warm-up runs,\n"
    "`repeats` times: median words/s (corpus words x epochs / wall seconds of the whole process,\n"
    "for every tool), pairs/s, peak RSS, final loss; the vectors of the last run are scored as\n"
    "`gemmvec eval` does. A point that cannot run is reported skipped or failed and the bench\n"
    "goes on. Writes DIR/results.json, DIR/results.csv and plots DIR/*.png (share/gemmvec/plots.py,\n"
    "Debian's python3-matplotlib); training outputs go to DIR/runs-XXXXXX, removed at the end unless\n"
    "--keep-runs. --dry-run prints the expanded grid and runs nothing. Example and keys:\n"
    "configs/bench-quick.yaml.\n";

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {{"--out", true}, {"--dry-run", false}, {"--keep-runs", false}}, "bench");
  if (args.help) {
    fmt::print("{}", kBenchUsage);
    return 0;
  }
  if (args.positional.size() != 1)
    throw UsageError(args.positional.empty() ? "bench needs a bench config: gemmvec bench CONFIG.yaml --out DIR (e.g. configs/bench-quick.yaml)"
                                             : fmt::format("bench takes one config file, got {} arguments", args.positional.size()));
  bench::BenchOptions options;
  options.config = args.positional[0];
  options.out = args.last("--out");
  options.dry_run = args.has("--dry-run");
  options.keep_runs = args.has("--keep-runs");
  options.version = version();
  return bench::run_bench(options);
}

}  // namespace gemmvec::cli
