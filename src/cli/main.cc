// gemmvec CLI: dispatch to the subcommands, the shared argument parser, and error -> exit code.
// The parser is this small one rather than a library: the commands take a few options each,
// word2vec.c's single-dash flags must pass through as they are, and an unknown option names the
// closest one the way an unknown config key does.
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "base/blas.h"
#include "base/parse_number.h"
#include "commands.h"
#include "gemmvec/config.h"
#include "base/interrupt.h"
#include "base/stderr_lines.h"

namespace gemmvec::cli {

bool Args::has(const std::string& name) const {
  for (const auto& [n, v] : options)
    if (n == name) return true;
  return false;
}

std::vector<std::string> Args::all(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : options)
    if (n == name) out.push_back(v);
  return out;
}

std::string Args::last(const std::string& name, const std::string& fallback) const {
  std::string out = fallback;
  for (const auto& [n, v] : options)
    if (n == name) out = v;
  return out;
}

Args parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs,
                const std::string& command) {
  Args out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      out.help = true;
      continue;
    }
    std::string name = arg;
    std::string value;
    bool inline_value = false;
    const size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    const OptionSpec* spec = nullptr;
    for (const OptionSpec& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) {
      std::vector<std::string> names{"--help"};
      for (const OptionSpec& s : specs) names.push_back(s.name);
      throw UsageError(fmt::format("unknown option '{}' for 'gemmvec {}' (did you mean '{}'?)", name, command,
                                   closest_match(name, names)));
    }
    if (spec->takes_value && !inline_value) {
      if (i + 1 >= args.size()) throw UsageError(fmt::format("{} needs a value (gemmvec {} --help)", name, command));
      value = args[++i];
    } else if (!spec->takes_value && inline_value) {
      throw UsageError(fmt::format("{} takes no value", name));
    }
    out.options.emplace_back(spec->name, value);
  }
  return out;
}

uint64_t parse_count(const std::string& option, const std::string& text) {
  const std::optional<uint64_t> v = parse_unsigned(text);
  if (!v) throw UsageError(fmt::format("{} expects a non-negative integer, got '{}'", option, text));
  return *v;
}

std::string version() {
#ifdef GEMMVEC_VERSION
  return GEMMVEC_VERSION;
#else
  return "unknown";
#endif
}

namespace {

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>&);
  const char* args;
  const char* summary;
};

const Command kCommands[] = {
    {"train", cmd_train, "CONFIG.yaml [--set key=value]... [--quiet | -v]", "train word vectors as the config says; --set overrides a key"},
    {"prepare", cmd_prepare, "CORPUS... --out PREFIX [--set key=value]... | --zipf TOKENS:VOCAB[:EXPONENT] --out PREFIX", "count the vocabulary and cache the tokens (data.tokens: PREFIX), or draw a synthetic Zipf corpus"},
    {"eval", cmd_eval, "VECTORS [--analogy FILE]... [--similarity FILE]... [--top-n N] [--json] | --checkpoint FILE.ckpt --log-likelihood TEXT", "analogy accuracy, similarity correlation, held-out log-likelihood"},
    {"similar", cmd_similar, "VECTORS WORD... [-n 10]", "the nearest words by cosine"},
    {"analogy", cmd_analogy, "VECTORS A B C [-n 5]", "the words nearest to B - A + C (a is to b as c is to ?)"},
    {"bench", cmd_bench, "CONFIG.yaml --out DIR [--dry-run] [--keep-runs]", "time backends and peer tools over a grid of settings; writes DIR/results.json, .csv, *.png"},
    {"init", cmd_init, "", "print a commented config template with every key and its default"},
    {"info", cmd_info, "", "version, backends, GPU, BLAS and build"},
};

void print_help(std::FILE* to) {
  fmt::print(to,
             "gemmvec {}: word2vec (skip-gram, CBOW, negative sampling) with shared negatives as GEMMs\n\n"
             "usage: gemmvec COMMAND [ARGS]   (gemmvec COMMAND --help for details)\n\n",
             version());
  for (const Command& c : kCommands)
    fmt::print(to, "  gemmvec {}{}{}\n      {}\n", c.name, *c.args ? " " : "", c.args, c.summary);
  fmt::print(to,
             "\nword2vec.c's flags work as they are, with word2vec.c's defaults (-cbow 1 -binary 0 -sample 1e-3):\n"
             "  gemmvec -train FILE -output FILE [-size N] [-window N] [-sample X] [-negative N] [-threads N]\n"
             "          [-iter N] [-min-count N] [-alpha X] [-binary 0|1] [-cbow 0|1] [-hs 0]\n"
             "          [-save-vocab FILE] [-read-vocab FILE] [--set key=value]... [--quiet | -v]\n\n"
             "Config keys and their defaults: gemmvec init.\n\n"
             "Exit codes (docs/errors.md): 0 ok; 1 bad input (a file missing, unreadable or corrupt);\n"
             "2 usage or config error; 3 out of resources (memory, disk space); 130 interrupted by SIGINT,\n"
             "143 by SIGTERM. Errors are one line on stderr: 'gemmvec: ' what, where, and the fix.\n");
}

int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) {
    print_help(stderr);
    return 2;
  }
  const std::string& first = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (first == "--help" || first == "-h" || first == "help") {
    if (first == "help" && !rest.empty()) return dispatch({rest[0], "--help"});
    print_help(stdout);
    return 0;
  }
  if (first == "--version" || first == "version") {
    fmt::print("gemmvec {}\n", version());
    return 0;
  }
  if (first.size() > 1 && first[0] == '-') return cmd_word2vec(args);
  std::vector<std::string> names;
  for (const Command& c : kCommands) {
    if (first == c.name) return c.run(rest);
    names.emplace_back(c.name);
  }
  throw UsageError(fmt::format("unknown command '{}' (did you mean '{}'?); see gemmvec --help", first,
                               closest_match(first, names)));
}

}  // namespace
}  // namespace gemmvec::cli

// Before any shared library's constructor (the executable's .preinit_array): OpenBLAS reads its
// thread count when it is loaded and starts its threads then (base/blas.h says why it matters).
extern "C" void gemmvec_preinit(int, char** argv, char** envp) {
  gemmvec::blas::limit_threads_to_address_space(argv, envp);
}
__attribute__((section(".preinit_array"), used)) static void (*const gemmvec_preinit_entry)(int, char**, char**) =
    gemmvec_preinit;

int main(int argc, char** argv) {
  try {
    return gemmvec::cli::dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const gemmvec::Interrupted& e) {
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return 128 + e.signal;
  } catch (const gemmvec::UsageError& e) {
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return gemmvec::kExitUsage;
  } catch (const gemmvec::InputError& e) {
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return gemmvec::kExitInput;
  } catch (const gemmvec::TrainingDiverged& e) {
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return gemmvec::kExitDiverged;
  } catch (const gemmvec::ResourceError& e) {
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return gemmvec::kExitResource;
  } catch (const std::bad_alloc&) {
    gemmvec::print_message("gemmvec: out of memory (lower model.dim or the vocab size, or free memory)");
    return gemmvec::kExitResource;
  } catch (const std::exception& e) {  // DeviceError and anything else
    gemmvec::print_message(std::string("gemmvec: ") + e.what());
    return gemmvec::kExitInput;
  }
}
