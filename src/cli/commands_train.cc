// gemmvec CLI: the commands that train or prepare: `train`, `prepare`, and word2vec.c's flags.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"
#include "base/file_errors.h"
#include "base/stderr_lines.h"
#include "base/parse_number.h"
#include "data/prepare.h"
#include "data/zipf_corpus.h"
#include "gemmvec/trainer.h"
#include "run/output_paths.h"

namespace gemmvec::cli {
namespace {

void apply_overrides(Config& config, const Args& args) {
  for (const std::string& assignment : args.all("--set")) apply_override(config, assignment);
}

const char kTrainUsage[] =
    "usage: gemmvec train CONFIG.yaml [--set key=value]... [--quiet | -v]\n"
    "       gemmvec train --resume OUTPUT.ckpt [--quiet | -v]\n\n"
    "Trains word vectors as CONFIG.yaml says; each --set section.key=value overrides one key\n"
    "(e.g. --set model.dim=300 --set data.corpus=[a.txt,b.txt]). Keys: gemmvec init.\n"
    "stderr shows a start line, the progress line and what was written; -v (--verbose) also\n"
    "prints the resolved config at start (it is always saved beside the vectors as OUTPUT.yaml);\n"
    "--quiet prints nothing there but warnings and errors. Scores the config asks for go to stdout.\n"
    "A checkpoint (output.checkpoint, default OUTPUT.ckpt) is written every\n"
    "train.checkpoint_minutes and on SIGINT/SIGTERM (then the exit code is 130/143); --resume\n"
    "continues from it at the same epoch, position and learning rate. A signal while scoring\n"
    "(eval.*) after the vectors are written stops the scoring: exit 130/143, OUTPUT.json says so.\n";

const char kPrepareUsage[] =
    "usage: gemmvec prepare CORPUS... --out PREFIX [--set key=value]...\n"
    "       gemmvec prepare --zipf TOKENS:VOCAB[:EXPONENT] --out PREFIX [--seed N] [--threads N] [--set key=value]...\n\n"
    "Counts the vocabulary of the corpus files (plain, .gz or .xz) and writes PREFIX.vocab and\n"
    "PREFIX.tokens, so later runs skip parsing the text: train with data.tokens: PREFIX.\n"
    "--set applies to the data and vocab keys (e.g. --set vocab.min_count=10).\n"
    "--zipf writes the same files for a synthetic corpus instead: TOKENS words (e.g. 1e9) drawn\n"
    "from VOCAB words w0000000, w0000001, ... with P(rank i) ~ 1/(i+1)^EXPONENT (default 1), in\n"
    "sentences of 10-30 words; seeded by --seed (1), the same bytes on any --threads (0: all).\n"
    "Words drawn fewer than vocab.min_count times are left out, as prepare leaves them out.\n";

const char kWord2vecUsage[] =
    "usage: gemmvec -train FILE -output FILE [word2vec.c flags]... [--set key=value]... [--quiet | -v]\n\n"
    "word2vec.c's flags, with word2vec.c's defaults where they differ from gemmvec's:\n"
    "  -train FILE       data.corpus            -output FILE      output.path\n"
    "  -size N           model.dim (100)        -window N         model.window (5)\n"
    "  -sample X         model.sample (1e-3)    -negative N       model.negative (5)\n"
    "  -threads N        train.threads (all)    -iter N           train.epochs (5)\n"
    "  -min-count N      vocab.min_count (5)    -alpha X          model.alpha (0.025 sg, 0.05 cbow)\n"
    "  -binary 0|1       output.format txt|bin (0)\n"
    "  -cbow 0|1         model.type skipgram|cbow (1)\n"
    "  -save-vocab FILE  vocab.save             -read-vocab FILE  vocab.read\n"
    "  -hs 0|1           model.loss hs with -negative 0 (0: neg)\n"
    "  -debug N          accepted and ignored\n";

// A word2vec.c flag that sets one config key to its value as given.
struct KeyFlag {
  const char* flag;
  const char* key;
};
const KeyFlag kKeyFlags[] = {
    {"-train", "data.corpus"},      {"-output", "output.path"},   {"-size", "model.dim"},
    {"-window", "model.window"},    {"-sample", "model.sample"},
    {"-threads", "train.threads"},  {"-iter", "train.epochs"},    {"-min-count", "vocab.min_count"},
    {"-alpha", "model.alpha"},      {"-save-vocab", "vocab.save"}, {"-read-vocab", "vocab.read"},
};
// Flags handled by hand below.
const char* const kOtherFlags[] = {"-binary", "-cbow", "-hs", "-negative", "-debug", "-classes"};

bool zero_or_one(const std::string& flag, const std::string& value) {
  if (value == "0") return false;
  if (value == "1") return true;
  throw UsageError(fmt::format("{} expects 0 or 1, got '{}'", flag, value));
}

// word2vec.c trains hierarchical softmax (-hs 1) and negative sampling (-negative N > 0) side by
// side; gemmvec trains one output layer, so exactly one of them must be asked for.
void set_output_layer(Config& config, bool hs, const std::string& negative) {
  const bool no_negatives = !negative.empty() && negative.find_first_not_of('0') == std::string::npos;
  if (!no_negatives) set_value(config, "model.negative", negative, "-negative");  // a bad number is named first
  if (hs && !no_negatives)
    throw UsageError(fmt::format("-hs 1 with -negative {} trains two output layers in word2vec.c; gemmvec trains one "
                                 "(pass -negative 0 for hierarchical softmax alone)", negative));
  if (!hs && no_negatives)
    throw UsageError("-hs 0 -negative 0 leaves no output layer (pass -negative N, or -hs 1 -negative 0)");
  if (hs) config.model.loss = "hs";  // model.negative keeps its default: hs draws no samples
}

// --zipf TOKENS:VOCAB[:EXPONENT], with --seed and --threads.
ZipfSpec zipf_spec(const Args& args) {
  const std::string text = args.last("--zipf");
  const size_t colon = text.find(':');
  const size_t second = colon == std::string::npos ? colon : text.find(':', colon + 1);
  auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("--zipf '{}': {} (expected TOKENS:VOCAB[:EXPONENT], e.g. 1e9:1500000:1.0)", text, why));
  };
  if (colon == std::string::npos) throw bad("no VOCAB");
  ZipfSpec spec;
  const std::optional<uint64_t> tokens = parse_unsigned(text.substr(0, colon));
  if (!tokens || *tokens == 0) throw bad("TOKENS must be a whole number > 0");
  spec.tokens = *tokens;
  const std::optional<uint64_t> vocab = parse_unsigned(text.substr(colon + 1, second - colon - 1));
  if (!vocab || *vocab == 0 || *vocab >= Vocab::kMissing - 1) throw bad("VOCAB must be a whole number from 1 to 4294967293");
  spec.vocab = static_cast<uint32_t>(*vocab);
  if (second != std::string::npos) {
    const std::optional<double> s = parse_double(text.substr(second + 1));
    if (!s || *s <= 0) throw bad("EXPONENT must be a number > 0");
    spec.exponent = *s;
  }
  spec.seed = parse_count("--seed", args.last("--seed", "1"));
  const uint64_t threads = parse_count("--threads", args.last("--threads", "0"));
  if (threads > 4096) throw UsageError(fmt::format("--threads {}: at most 4096 (0: every hardware thread)", threads));
  spec.threads = static_cast<uint32_t>(threads);
  return spec;
}

// --quiet, -v (--verbose), or neither: how much a run prints on stderr.
Verbosity verbosity_flag(bool quiet, bool verbose) {
  if (quiet && verbose) throw UsageError("--quiet and -v (--verbose) ask for opposite things: pass one");
  return quiet ? Verbosity::kQuiet : verbose ? Verbosity::kVerbose : Verbosity::kNormal;
}

}  // namespace

int run_training(const Config& config, Verbosity verbosity, Checkpoint* resume, const std::string& config_file) {
  set_verbosity(verbosity);
  if (verbosity == Verbosity::kVerbose)
    print_lines(fmt::format("# gemmvec {}: resolved config\n{}", version(), to_yaml(config)));
  train(config, resume, config_file);  // prints its own progress and summary; checkpoints on SIGINT/SIGTERM
  return 0;
}

int cmd_train(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {{"--set", true}, {"--quiet", false}, {"--verbose", false}, {"-v", false},
                                      {"--resume", true}}, "train");
  const Verbosity verbosity = verbosity_flag(args.has("--quiet"), args.has("--verbose") || args.has("-v"));
  if (args.help) {
    fmt::print("{}", kTrainUsage);
    return 0;
  }
  if (args.has("--resume")) {
    if (!args.positional.empty())
      throw UsageError("--resume takes no config: the checkpoint holds the one it was started with");
    const std::string path = args.last("--resume");
    Checkpoint checkpoint = load_checkpoint(path);
    Config config = parse_config(checkpoint.config_yaml, path);
    apply_overrides(config, args);
    if (config.output.checkpoint.empty() && checkpoint_path(config) != path) config.output.checkpoint = path;
    validate(config);
    return run_training(config, verbosity, &checkpoint, "");
  }
  if (args.positional.size() != 1)
    throw UsageError(args.positional.empty() ? "train needs a config file: gemmvec train CONFIG.yaml (a template: gemmvec init)"
                                             : fmt::format("train takes one config file, got {} arguments", args.positional.size()));
  Config config = load_config(args.positional[0]);
  apply_overrides(config, args);
  validate(config);
  return run_training(config, verbosity, nullptr, args.positional[0]);
}

int cmd_prepare(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {{"--out", true}, {"--set", true}, {"--zipf", true}, {"--seed", true},
                                      {"--threads", true}}, "prepare");
  if (args.help) {
    fmt::print("{}", kPrepareUsage);
    return 0;
  }
  const bool zipf = args.has("--zipf");
  if (!zipf && (args.has("--seed") || args.has("--threads")))
    throw UsageError("--seed and --threads are for --zipf's synthetic corpus");
  if (!zipf && args.positional.empty())
    throw UsageError("prepare needs corpus files: gemmvec prepare CORPUS... --out PREFIX");
  const std::string prefix = args.last("--out");
  if (prefix.empty()) throw UsageError("prepare needs --out PREFIX (it writes PREFIX.vocab and PREFIX.tokens)");
  const ZipfSpec spec = zipf ? zipf_spec(args) : ZipfSpec{};
  Config config;
  config.data.corpus = args.positional;
  apply_overrides(config, args);
  if (zipf && !config.data.corpus.empty())
    throw UsageError("--zipf draws its own corpus: give it or corpus files (data.corpus), not both");
  validate(config);
  check_output_paths(run_inputs(config, ""), prepare_outputs(config, prefix));
  if (zipf)
    write_zipf_corpus(spec, config, prefix);
  else
    prepare_to_prefix(config, prefix);
  fmt::print(stderr, "gemmvec: to train on it, set data.tokens: {}\n", prefix);
  return 0;
}

int cmd_word2vec(const std::vector<std::string>& argv) {
  Config config;
  // word2vec.c's defaults, so existing scripts get what they got.
  config.model.type = ModelType::kCbow;
  config.model.sample = 1e-3;
  config.output.format = "txt";
  std::vector<std::string> overrides;
  bool quiet = false, verbose = false;
  bool has_train = false, has_output = false;
  bool hs = false;               // word2vec.c's defaults: -hs 0 -negative 5
  std::string negative = "5";
  std::vector<std::string> known{"--set", "--quiet", "--verbose", "-v", "--help"};
  for (const KeyFlag& f : kKeyFlags) known.emplace_back(f.flag);
  for (const char* f : kOtherFlags) known.emplace_back(f);

  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& flag = argv[i];
    if (flag == "-h" || flag == "--help" || flag == "-help") {
      fmt::print("{}", kWord2vecUsage);
      return 0;
    }
    if (flag == "--quiet") {
      quiet = true;
      continue;
    }
    if (flag == "--verbose" || flag == "-v") {
      verbose = true;
      continue;
    }
    if (flag.size() < 2 || flag[0] != '-')
      throw UsageError(fmt::format("unexpected argument '{}': word2vec-style flags come in pairs (-size 100)", flag));
    if (std::find(known.begin(), known.end(), flag) == known.end())
      throw UsageError(fmt::format("unknown flag '{}' (did you mean '{}'?)", flag, closest_match(flag, known)));
    if (i + 1 >= argv.size()) throw UsageError(fmt::format("{} needs a value", flag));
    const std::string& value = argv[++i];
    if (flag == "--set") {
      overrides.push_back(value);
    } else if (flag == "-binary") {
      config.output.format = zero_or_one(flag, value) ? "bin" : "txt";
    } else if (flag == "-cbow") {
      config.model.type = zero_or_one(flag, value) ? ModelType::kCbow : ModelType::kSkipGram;
    } else if (flag == "-hs") {
      hs = zero_or_one(flag, value);
    } else if (flag == "-negative") {
      negative = value;
    } else if (flag == "-classes") {
      if (value != "0") throw UsageError("-classes (k-means word classes) is not supported");
    } else if (flag == "-debug") {
      // word2vec.c's verbosity; gemmvec's progress lines do not depend on it.
    } else {
      for (const KeyFlag& f : kKeyFlags) {
        if (flag != f.flag) continue;
        if (flag == "-train") has_train = true;
        if (flag == "-output") has_output = true;
        set_value(config, f.key, value, flag);
      }
    }
  }
  set_output_layer(config, hs, negative);
  for (const std::string& assignment : overrides) apply_override(config, assignment);
  if (!has_train && config.data.corpus.empty() && config.data.tokens.empty())
    throw UsageError("-train FILE is required (gemmvec --help)");
  if (!has_output && config.output.path == OutputConfig{}.path)
    throw UsageError("-output FILE is required (gemmvec --help)");
  validate(config);
  return run_training(config, verbosity_flag(quiet, verbose), nullptr, "");
}

}  // namespace gemmvec::cli
