// gemmvec: the table of backends.
#include "run/backends.h"

#include <fmt/core.h>

#include "base/stderr_lines.h"
#include "cpu/cpu_backend.h"
#include "pipeline_backend.h"

namespace gemmvec {
namespace {

std::string always_available() { return ""; }

}  // namespace

const std::vector<BackendEntry>& backends() {
  static const std::vector<BackendEntry> table = {
      {"cpu", kCpuDefaults, always_available, make_cpu_backend, true},
      {"cuda", kPipelineDefaults, cuda_unavailable_reason, make_cuda_backend, false},
      {"cuda-host", kPipelineDefaults, cuda_host_unavailable_reason, make_cuda_host_backend, false},
  };
  return table;
}

const BackendEntry& find_backend(const std::string& name) {
  std::vector<std::string> names;
  for (const BackendEntry& b : backends()) {
    if (name == b.name) return b;
    names.emplace_back(b.name);
  }
  throw UsageError(fmt::format("unknown backend '{}' (did you mean '{}'?)", name, closest_match(name, names)));
}

const BackendEntry& choose_backend(const std::string& asked, OutputLoss loss) {
  const bool hs = loss == OutputLoss::kHs;
  if (asked == "auto") {
    const BackendEntry& cuda = find_backend("cuda");
    const std::string why = hs && !cuda.trains_hs ? "model.loss hs trains on the cpu backend" : cuda.unavailable();
    if (why.empty()) return cuda;
    print_note(fmt::format("gemmvec: using the cpu backend: {}", why));
    return find_backend("cpu");
  }
  const BackendEntry& b = find_backend(asked);
  if (hs && !b.trains_hs)
    throw UsageError(fmt::format("model.loss hs (hierarchical softmax) does not run on the {} backend (use train.backend: cpu)",
                                 b.name));
  if (const std::string why = b.unavailable(); !why.empty())
    throw UsageError(fmt::format("train.backend is {} but {} (use train.backend: cpu{})", b.name, why,
                                  std::string(b.name) == "cuda" ? " or cuda-host" : ""));
  return b;
}

}  // namespace gemmvec
