// gemmvec CLI: the subcommands and the small argument parser they share.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/stderr_lines.h"
#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"

namespace gemmvec::cli {

// An option a command accepts: "--set" (with a value), "--quiet" (a switch), "-n".
struct OptionSpec {
  std::string name;
  bool takes_value;
};

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // in command-line order
  bool help = false;                                         // -h or --help was given

  bool has(const std::string& name) const;
  std::vector<std::string> all(const std::string& name) const;
  std::string last(const std::string& name, const std::string& fallback = "") const;
};

// Splits a command's arguments into positionals and the options in `specs` ("--name value" or
// "--name=value"; "--" ends options). An unknown option is a UsageError naming the closest one.
Args parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                const std::string& command);

// A non-negative integer option value, or a UsageError naming the option.
uint64_t parse_count(const std::string& option, const std::string& text);

std::string version();

// Shared by `train` and the word2vec-style flags: sets how much the run prints on stderr
// (kVerbose: the resolved config first), checks that every input file exists, and trains.
// `config_file` is the config the run came from ("" for flags or a checkpoint), so that no
// output overwrites it.
int run_training(const Config& config, Verbosity verbosity, Checkpoint* resume, const std::string& config_file);

// Each command takes the arguments after its name and returns the exit code; usage errors
// are thrown as UsageError.
int cmd_train(const std::vector<std::string>& args);
int cmd_prepare(const std::vector<std::string>& args);
int cmd_word2vec(const std::vector<std::string>& args);  // word2vec.c's flags: -train FILE ...
int cmd_eval(const std::vector<std::string>& args);
int cmd_similar(const std::vector<std::string>& args);
int cmd_analogy(const std::vector<std::string>& args);
int cmd_init(const std::vector<std::string>& args);
int cmd_info(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args);

}  // namespace gemmvec::cli
