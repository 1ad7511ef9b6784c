// gemmvec tests: the Python that runs the gensim interop checks. GEMMVEC_TEST_PYTHON names it
// (scripts/test.sh points it at build-python/venv, which has gensim); /usr/bin/python3 otherwise.
// Without gensim a test skips, or fails when GEMMVEC_REQUIRE_GENSIM=1 (set by CI), so the
// interop checks cannot pass by not running.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace gemmvec::test {

inline std::string gensim_python() {
  const char* env = std::getenv("GEMMVEC_TEST_PYTHON");
  return env && *env ? env : "/usr/bin/python3";
}

inline bool gensim_required() {
  const char* env = std::getenv("GEMMVEC_REQUIRE_GENSIM");
  return env && std::strcmp(env, "1") == 0;
}

}  // namespace gemmvec::test

// At the top of a test that runs gensim: returns from it (skipped or failed) when it cannot.
#define GEMMVEC_NEED_GENSIM()                                                                       \
  do {                                                                                              \
    const std::string py = ::gemmvec::test::gensim_python();                                        \
    if (std::system(("'" + py + "' -c 'import gensim' >/dev/null 2>&1").c_str()) != 0) {            \
      const std::string why = "gensim is not importable by " + py +                                 \
                              " (bash scripts/test.sh makes build-python/venv with it; or set "     \
                              "GEMMVEC_TEST_PYTHON)";                                               \
      if (::gemmvec::test::gensim_required()) FAIL() << "GEMMVEC_REQUIRE_GENSIM=1 but " << why;     \
      GTEST_SKIP() << why;                                                                          \
    }                                                                                               \
  } while (0)
