// gemmvec: bench configs (`gemmvec bench`): the YAML file, and its grid expanded into points.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gemmvec/config.h"

namespace gemmvec::bench {

// One thing to measure: a gemmvec backend, or a peer tool, at one set of settings.
struct BenchPoint {
  std::string id;       // "cpu-sg-d50-t2", "gensim-sg-d50-t2": unique within a bench
  std::string tool;     // gemmvec | gensim | fasttext
  std::string backend;  // cpu | cuda | cuda-host for gemmvec; the tool's name for a peer
  // The training config of the point (base + set + corpus + eval + the grid's values). Peers
  // read their settings here too (model, dim, window, negative, sample, min_count, epochs,
  // threads, alpha), so a peer and gemmvec at the same grid values train alike.
  Config config;
};

enum class TokenCacheMode {
  kCold,  // each timed gemmvec run parses the text, as the peers do
  kWarm,  // the warm-up builds the token cache and the timed runs map it
};

struct BenchConfig {
  std::string path;             // the bench file, for messages
  Config base;                  // the base config with set, corpus and eval applied
  uint64_t corpus_lines = 0;    // train on the first N lines of the corpus only (0: all)
  uint32_t warmup = 1;          // untimed runs of each point before the timed ones
  uint32_t repeats = 3;         // timed runs of each point; the median is reported
  TokenCacheMode token_cache = TokenCacheMode::kCold;
  bool plots = true;            // run bench/plots.py at the end
  double timeout = 3600;        // seconds each child (a run, a peer, the plots) may take; 0: none
  std::vector<BenchPoint> points;  // gemmvec points in grid order, then the peers
};

// Reads a bench file; an unknown key or a bad value throws UsageError naming the file, the
// line and the key ("bench.yaml:7: unknown bench key 'repeat' (did you mean 'repeats'?)").
// Paths inside (base, corpus, eval files, path keys under set) are relative to the file's folder,
// as in a train config (config_folder); parse_bench_config takes them from `folder` ("": the
// working directory).
BenchConfig load_bench_config(const std::string& path);
BenchConfig parse_bench_config(const std::string& yaml, const std::string& where, const std::string& folder = "");

// "sg" or "cbow", as bench files and ids write the model.
std::string model_short_name(ModelType type);

}  // namespace gemmvec::bench
