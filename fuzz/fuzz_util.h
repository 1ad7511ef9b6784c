// gemmvec fuzzing: the loaders take paths, so each input is written to a file in a directory of
// this process's own (under /dev/shm when it exists), and only gemmvec's documented errors may
// come out of them: anything else escapes to libFuzzer as a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "gemmvec/config.h"

namespace gemmvec_fuzz {

// The per-process directory, made on first use and removed at exit.
const std::string& temp_dir();

// The vocab the token_cache target pairs every input with (PREFIX.vocab); its seeds are token
// files made with it, so mutations that keep the header's vocab hash reach the id checks.
inline constexpr char kTokenCacheVocab[] = "</s> 4\nthe 3\ndog 2\nfox 1\nnaïve 1\n";

// Writes size bytes to temp_dir()/name and returns the path.
std::string write_input(const std::string& name, const uint8_t* data, size_t size);

// Stops the run with a message: an invariant of a successful load does not hold.
[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "gemmvec fuzz: invariant failed at %s:%d: %s\n", file, line, what);
  std::abort();
}
#define GEMMVEC_FUZZ_CHECK(cond) \
  ((cond) ? void(0) : ::gemmvec_fuzz::invariant_failed(#cond, __FILE__, __LINE__))

// Documented errors caught since the count was last set to 0: the replay test expects none for
// the seeds, which are valid inputs, so a format change that rejects them is caught.
inline size_t& rejections() {
  static size_t n = 0;
  return n;
}

// Runs f; the documented errors (a malformed input, a bad value, no memory or disk for it) are
// expected outcomes.
template <class F>
void expect_documented_errors(F&& f) {
  try {
    f();
  } catch (const gemmvec::InputError&) {
    ++rejections();
  } catch (const gemmvec::UsageError&) {
    ++rejections();
  } catch (const gemmvec::ResourceError&) {
    ++rejections();
  }
}

}  // namespace gemmvec_fuzz
