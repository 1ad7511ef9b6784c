// gemmvec tests: cuBLAS is opened at run time, not linked: the binary does not need it (a CPU
// run does not pay for mapping it), and the loader finds every entry point the pipeline calls
// (dlopen works without a GPU).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#ifdef GEMMVEC_TEST_CUBLAS_LOADER
#include "cublas_loader.h"
#endif

namespace gemmvec {
namespace {

TEST(CublasLoader, TheBinaryDoesNotLinkCublas) {
  FILE* p = popen((std::string("ldd '") + GEMMVEC_BINARY + "' 2>&1").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("libc.so"), std::string::npos) << out;
  EXPECT_EQ(out.find("cublas"), std::string::npos) << out;
}

#ifdef GEMMVEC_TEST_CUBLAS_LOADER
TEST(CublasLoader, ResolvesEveryEntryPointWithoutAGpu) {
  const cuda_libs::Cublas& c = cuda_libs::cublas();
  EXPECT_NE(c.create, nullptr);
  EXPECT_NE(c.destroy, nullptr);
  EXPECT_NE(c.set_stream, nullptr);
  EXPECT_NE(c.set_math_mode, nullptr);
  EXPECT_NE(c.sgemm_batched, nullptr);
  ASSERT_NE(c.status_string, nullptr);
  // A real call into the library: cuBLAS 13 says "the library was not initialized".
  EXPECT_NE(std::string(c.status_string(CUBLAS_STATUS_NOT_INITIALIZED)).find("not initialized"), std::string::npos);
}
#endif

}  // namespace
}  // namespace gemmvec
