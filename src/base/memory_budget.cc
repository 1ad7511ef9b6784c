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

// cgroup v2's limit for this container ("max" or absent: none).
uint64_t cgroup_bytes() {
  std::ifstream in("/sys/fs/cgroup/memory.max");
  std::string text;
  if (!(in >> text) || text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return UINT64_MAX;
  return std::stoull(text);
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
