// gemmvec CLI: `init` (the config template) and `info` (version, backends, GPU, BLAS, build).

#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "base/blas.h"
#include "commands.h"
#include "run/backends.h"
#include "gemmvec/config.h"

namespace gemmvec::cli {
namespace {

std::string compiler() {
#if defined(__clang__)
  return fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  return fmt::format("GCC {}", __VERSION__);
#else
  return "unknown";
#endif
}

std::string build_type() {
#ifdef GEMMVEC_BUILD_TYPE
  const std::string type = GEMMVEC_BUILD_TYPE;
  if (!type.empty()) return type;
#endif
#ifdef NDEBUG
  return "NDEBUG (optimised)";
#else
  return "debug (assertions on)";
#endif
}

bool cuda_built() {
#if defined(GEMMVEC_HAVE_CUDA) && GEMMVEC_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

}  // namespace

int cmd_init(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {}, "init");
  if (args.help) {
    fmt::print("usage: gemmvec init > my.yaml\n\nPrints a commented config template with every key and its default.\n");
    return 0;
  }
  if (!args.positional.empty())
    throw UsageError("init takes no arguments; it prints the template: gemmvec init > my.yaml");
  fmt::print("{}", config_template());
  return 0;
}

int cmd_info(const std::vector<std::string>& argv) {
  const Args args = parse_args(argv, {}, "info");
  if (args.help) {
    fmt::print("usage: gemmvec info\n\nPrints the version, the backends built, the GPU, the BLAS and the build.\n");
    return 0;
  }
  if (!args.positional.empty()) throw UsageError("info takes no arguments");
  const std::string reason = find_backend("cuda").unavailable();
  fmt::print("gemmvec   {}\n", version());
  fmt::print("backends  cpu, cuda-host{}\n", cuda_built() ? ", cuda" : "");
  fmt::print("cuda      {}\n", reason.empty() ? "a usable device is present (train.backend: auto picks cuda)" : reason);
  fmt::print("blas      {}\n", blas::describe());
  fmt::print("cpu       {} hardware threads\n", std::thread::hardware_concurrency());
  fmt::print("compiler  {}\n", compiler());
  fmt::print("build     {}\n", build_type());
  return 0;
}

}  // namespace gemmvec::cli
