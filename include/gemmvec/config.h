// gemmvec: the resolved run configuration (YAML sections data, vocab, model, train, output, eval).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "gemmvec/errors.h"

namespace gemmvec {

enum class ModelType { kSkipGram, kCbow };
// The name model.type takes in a config: "skipgram" or "cbow".
inline const char* model_type_name(ModelType t) { return t == ModelType::kCbow ? "cbow" : "skipgram"; }

struct DataConfig {
  std::vector<std::string> corpus;   // text files: plain, .gz or .xz
  std::string tokens;                // a prepared PREFIX (PREFIX.vocab + PREFIX.tokens) instead of corpus
  std::string cache_dir = ".gemmvec-cache";  // where token caches live
  uint32_t max_sentence_length = 1000;
  uint32_t max_token_bytes = 100;    // longer tokens are cut at a UTF-8 boundary
  uint64_t max_count_table = 21'000'000;  // distinct words counted before pruning (0: no limit)
};

struct VocabConfig {
  uint64_t min_count = 5;
  uint64_t max_size = 0;   // 0: no cap
  std::string read;        // word2vec.c -read-vocab
  std::string save;        // word2vec.c -save-vocab
};

struct ModelConfig {
  ModelType type = ModelType::kSkipGram;
  uint32_t dim = 100;
  uint32_t window = 5;
  uint32_t negative = 5;         // k: negatives per pair, in expectation
  double ns_exponent = 0.75;
  double sample = 1e-4;          // 0 disables subsampling
  double alpha = 0;              // 0: 0.025 for skip-gram, 0.05 for CBOW
  double min_alpha_ratio = 1e-4; // lr decays linearly to alpha * this
  std::string loss = "neg";      // neg | nce | softmax | hs (docs/losses.md)
  bool output_bias = false;      // nce, softmax: a learned bias per output word
  std::string remove_accidental_hits = "auto";  // auto | true | false: a sample equal to the true word is left out
};

struct TrainConfig {
  uint32_t epochs = 5;
  uint32_t threads = 0;          // 0: all hardware threads
  std::string backend = "auto";  // auto | cpu | cuda | cuda-host
  uint64_t seed = 1;
  uint32_t group_size = 0;       // corpus positions whose centers share negatives; 0: backend default
  uint32_t group_negatives = 0;  // K, negatives drawn per group; 0: backend default
  uint32_t batch_words = 0;      // tokens per device batch (GPU pipeline); 0: backend default
  double max_row_updates = -1;   // cap on the pair-updates one row sums in one step; 0: none; -1: backend default
  bool deterministic = false;
  bool tf32 = false;
  std::string step = "auto";     // the GEMM pipeline's step: auto | gemm | fused
  double progress_seconds = 5;   // period of progress lines when stderr is not a terminal
  double checkpoint_minutes = 30; // period of checkpoints (0: only on SIGINT/SIGTERM)
  std::vector<std::string> watch; // words whose nearest neighbours are printed while training
  double watch_seconds = 60;      // ... after every epoch and this often (0: after epochs only)
};

struct OutputConfig {
  std::string path = "vectors.bin";
  std::string format = "bin";    // bin | txt | both
  std::string vocab;             // word-count vocab file; empty: none
  std::string metrics;           // JSON-lines metrics log; empty: none
  bool save_config = true;       // PATH.yaml beside the vectors
  std::string checkpoint;        // checkpoint file; empty: PATH.ckpt
  bool save_output = false;      // also write the output layer (PATH with .out before the extension)
};

struct EvalConfig {
  std::vector<std::string> analogy;     // question files (word2vec format)
  std::vector<std::string> similarity;  // word-pair files (w1 w2 score)
  uint32_t analogy_top_n = 30000;       // restrict analogy vocabulary to the N most frequent words
  std::vector<std::string> neighbours;  // words whose nearest neighbours are printed at the end
  std::vector<std::string> heldout;     // text files scored by the held-out log-likelihood
  uint64_t heldout_pairs = 100000;      // a sample of at most this many pairs per file (0: all)
};

struct Config {
  DataConfig data;
  VocabConfig vocab;
  ModelConfig model;
  TrainConfig train;
  OutputConfig output;
  EvalConfig eval;

  double alpha() const {
    return model.alpha > 0 ? model.alpha : (model.type == ModelType::kCbow ? 0.05 : 0.025);
  }
};

// Reads a YAML file; unknown keys and out-of-range values throw UsageError naming the
// closest valid key. Keys absent from the file keep their defaults. A relative path in the file
// (a key the key table marks as a path) is taken from the file's folder (config_folder).
Config load_config(const std::string& path);
// Parses a YAML document held in memory ("where" names it in errors); relative paths in it are
// taken from `folder` ("": left as written, relative to the current directory).
Config parse_config(const std::string& yaml, const std::string& where, const std::string& folder = "");
// Applies one "section.key=value" override (value parsed as YAML); a path stays relative to the
// current directory.
void apply_override(Config& config, const std::string& assignment);
// Sets one key ("model.dim") from its text (parsed as YAML where it starts with [ " ' or {);
// "where" names the source in errors (a word2vec-style flag such as "-size"); a relative path
// is taken from `folder` as in parse_config.
void set_value(Config& config, const std::string& key, const std::string& value,
               const std::string& where, const std::string& folder = "");
// The folder relative paths in the config file `path` are taken from: the file's own folder,
// absolute with symlinks resolved; "" for a bare file name (the current directory, as it is).
std::string config_folder(const std::string& path);
// `path` taken from `folder`; unchanged when it is absolute or empty, or `folder` is "".
std::string path_in_folder(const std::string& folder, const std::string& path);
// Throws UsageError for values out of range.
void validate(const Config& config);
// The resolved config as YAML (every key).
std::string to_yaml(const Config& config);
// A commented template with every key and its default (`gemmvec init`).
std::string config_template();
// The config with every path (the keys the key table marks: corpus, tokens, cache, vocab files,
// outputs, eval files) made absolute against the current directory: what a checkpoint and the
// saved PATH.yaml record, so a run resumes or reruns from any folder and writes where it did.
Config with_absolute_paths(const Config& config);
// train.threads as used: 0 is every hardware thread; a deterministic run uses one.
uint32_t resolved_threads(const TrainConfig& train);
// The candidate closest to `word` by edit distance, for "did you mean" hints ("" if none).
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace gemmvec
