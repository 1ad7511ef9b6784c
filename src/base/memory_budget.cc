// gemmvec: the memory the model needs against the memory this process may use.
#include "base/memory_budget.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "gemmvec/errors.h"

namespace gemmvec {
namespace {

constexpr uint64_t kTableBytesPerWord = 4 + 4 + 4;  // keep (float), alias prob (float), alias (uint32)

uint64_t rlimit_bytes(int resource) {
  struct rlimit r;
  if (::getrlimit(resource, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return UINT64_MAX;
  return static_cast<uint64_t>(r.rlim_cur);
}

// A limit file's value; UINT64_MAX when absent or "max".
uint64_t limit_in(const std::string& file) {
  std::ifstream in(file);
  std::string text;
  if (!(in >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return UINT64_MAX;
  return std::stoull(text);
}

// The smallest `file` on the cgroup `path` under `root` and on each of its ancestors.
uint64_t smallest_up_from(const std::string& root, std::string path, const char* file) {
  uint64_t best = UINT64_MAX;
  for (;;) {
    best = std::min(best, limit_in(root + (path == "/" ? "" : path) + "/" + file));
    if (path.empty() || path == "/") return best;
    const size_t slash = path.find_last_of('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

// The memory limit of this process's cgroups (as /proc/self/cgroup names them) and their
// ancestors: cgroup v2's memory.max, v1's memory.limit_in_bytes. UINT64_MAX: none.
uint64_t cgroup_bytes() {
  uint64_t best = limit_in("/sys/fs/cgroup/memory.max");  // a container's own root (v2)
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {  // "ID:CONTROLLERS:PATH"
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = "," + line.substr(a + 1, b - a - 1) + ",", path = line.substr(b + 1);
    if (controllers == ",,") {
      best = std::min({best, smallest_up_from("/sys/fs/cgroup", path, "memory.max"),
                       smallest_up_from("/sys/fs/cgroup/unified", path, "memory.max")});
    } else if (controllers.find(",memory,") != std::string::npos) {
      best = std::min(best, smallest_up_from("/sys/fs/cgroup/memory", path, "memory.limit_in_bytes"));
    }
  }
  return best;
}

std::string gib(uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1u << 30)); }

}  // namespace

uint64_t training_bytes(uint64_t vocab, uint64_t dim) {
  uint64_t cells, matrices, tables, total;
  if (__builtin_mul_overflow(vocab, dim, &cells) || __builtin_mul_overflow(cells, uint64_t{2 * sizeof(float)}, &matrices) ||
      __builtin_mul_overflow(vocab, kTableBytesPerWord, &tables) || __builtin_add_overflow(matrices, tables, &total))
    return UINT64_MAX;
  return total;
}

uint64_t available_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  uint64_t phys = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
  return std::min({phys, rlimit_bytes(RLIMIT_AS), rlimit_bytes(RLIMIT_DATA), cgroup_bytes()});
}

void check_memory_budget(uint64_t vocab, uint64_t dim, uint64_t available) {
  const uint64_t need = training_bytes(vocab, dim);
  if (need <= available) return;
  const std::string fix = "lower model.dim, or shrink the vocab with vocab.max_size or a higher vocab.min_count";
  if (need == UINT64_MAX)
    throw ResourceError(fmt::format("model.dim {} x vocab {} words overflows a 64-bit byte count ({})", dim, vocab, fix));
  throw ResourceError(fmt::format("not enough memory: model.dim {} x vocab {} words needs {} bytes ({}), {} bytes ({}) "
                                  "are available ({})",
                                  dim, vocab, need, gib(need), available, gib(available), fix));
}

}  // namespace gemmvec
