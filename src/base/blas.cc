// gemmvec: the BLAS calls, and the address-space checks that keep OpenBLAS from spinning.
#include "base/blas.h"

#include <cblas.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "gemmvec/errors.h"

namespace gemmvec::blas {
namespace {

// OpenBLAS's work buffer on x86-64 (BUFFER_SIZE, 32 << 22 bytes), one per thread that computes.
constexpr uint64_t kBufferBytes = uint64_t{128} << 20;
// Room left beside the buffers for the little else OpenBLAS maps on its first call.
constexpr uint64_t kMarginBytes = uint64_t{4} << 20;

// RLIMIT_AS in bytes, 0 when there is none.
uint64_t address_space_limit() {
  struct rlimit r;
  if (::getrlimit(RLIMIT_AS, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return 0;
  return r.rlim_cur;
}

// The address space this process has mapped (VmSize), 0 if it cannot be read.
uint64_t mapped_bytes() {
  FILE* f = std::fopen("/proc/self/statm", "re");
  if (!f) return 0;
  unsigned long long pages = 0;
  const bool ok = std::fscanf(f, "%llu", &pages) == 1;
  std::fclose(f);
  return ok ? pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

// Checked once, just before the first call: the buffers are then mapped and reused.
void check_buffers_fit() {
  static std::once_flag once;
  std::call_once(once, [] {
    const uint64_t limit = address_space_limit();
    if (limit == 0) return;
    const uint64_t threads = static_cast<uint64_t>(std::max(1, openblas_get_num_threads()));
    const uint64_t need = threads * kBufferBytes + kMarginBytes;
    const uint64_t used = mapped_bytes();
    const uint64_t free = limit > used ? limit - used : 0;
    if (free < need) {
      throw ResourceError(fmt::format(
          "not enough address space for the BLAS work buffers: {} MiB of the {} MiB limit (ulimit -v) are free, "
          "{} MiB needed ({} BLAS thread{}); raise ulimit -v{}",
          free >> 20, limit >> 20, need >> 20, threads, threads == 1 ? "" : "s",
          threads == 1 ? "" : " or set OPENBLAS_NUM_THREADS=1"));
    }
  });
}

CBLAS_TRANSPOSE op(Op o) { return o == Op::kT ? CblasTrans : CblasNoTrans; }

}  // namespace

void sgemm(Op ta, Op tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
           float beta, float* c, int ldc) {
  check_buffers_fit();
  cblas_sgemm(CblasRowMajor, op(ta), op(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void sgemv(int rows, int cols, float alpha, const float* a, int lda, const float* x, float beta, float* y) {
  check_buffers_fit();
  cblas_sgemv(CblasRowMajor, CblasNoTrans, rows, cols, alpha, a, lda, x, 1, beta, y, 1);
}

std::string describe() { return fmt::format("{} ({} threads)", openblas_get_config(), openblas_get_num_threads()); }

void limit_threads_to_address_space(char** argv, char** envp) {
  const uint64_t limit = address_space_limit();
  if (limit == 0 || !argv || !envp) return;
  const long cores = ::sysconf(_SC_NPROCESSORS_ONLN);
  const uint64_t fit = std::max<uint64_t>(1, limit / 2 / kBufferBytes);
  // The threads OpenBLAS would start: the user's OPENBLAS_NUM_THREADS, else one per core.
  constexpr char kName[] = "OPENBLAS_NUM_THREADS=";
  size_t n = 0, at = SIZE_MAX;
  uint64_t wanted = cores > 0 ? static_cast<uint64_t>(cores) : 1;
  for (; envp[n]; ++n) {
    if (std::strncmp(envp[n], kName, sizeof kName - 1) != 0) continue;
    at = n;
    wanted = std::strtoull(envp[n] + sizeof kName - 1, nullptr, 10);
  }
  if (wanted <= fit) return;
  std::string var = kName + std::to_string(fit);  // outlives the execve below
  std::vector<char*> env(envp, envp + n);
  if (at == SIZE_MAX) env.push_back(var.data()); else env[at] = var.data();
  env.push_back(nullptr);
  ::execve("/proc/self/exe", argv, env.data());  // returns only on failure: go on as we are
}

}  // namespace gemmvec::blas
