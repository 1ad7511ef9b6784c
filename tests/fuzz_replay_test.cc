// gemmvec tests: replays the fuzz targets' seeds (fuzz/corpus/<target>/) and every input that once made
// a target fail (fuzz/regressions/<target>/) through the targets themselves, compiled into this
// test under their own names (tests/CMakeLists.txt). A target returns when the loader succeeds
// with its invariants holding or throws a documented error; anything else crashes this test.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "../fuzz/fuzz_util.h"

extern "C" {
int gemmvec_fuzz_corpus_reader(const uint8_t* data, size_t size);
int gemmvec_fuzz_config(const uint8_t* data, size_t size);
int gemmvec_fuzz_vectors(const uint8_t* data, size_t size);
int gemmvec_fuzz_vocab(const uint8_t* data, size_t size);
int gemmvec_fuzz_token_cache(const uint8_t* data, size_t size);
int gemmvec_fuzz_checkpoint(const uint8_t* data, size_t size);
}

namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;
  int (*run)(const uint8_t*, size_t);
};

// The inputs in fuzz/<kind>/<target>/, sorted so failures name the same file every run.
std::vector<fs::path> inputs(const char* kind, const char* target) {
  std::vector<fs::path> out;
  const fs::path dir = fs::path(GEMMVEC_SOURCE_DIR) / "fuzz" / kind / target;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class FuzzReplay : public testing::TestWithParam<Target> {};

TEST_P(FuzzReplay, SeedsAndRegressionsLoadOrFailWithDocumentedErrors) {
  const Target& t = GetParam();
  const std::vector<fs::path> seeds = inputs("corpus", t.name);
  EXPECT_FALSE(seeds.empty()) << "no seeds in fuzz/corpus/" << t.name;
  std::vector<fs::path> all = seeds;
  for (const fs::path& p : inputs("regressions", t.name)) all.push_back(p);
  for (size_t i = 0; i < all.size(); ++i) {
    const fs::path& p = all[i];
    SCOPED_TRACE(p.string());
    std::ifstream in(p, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << p;
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gemmvec_fuzz::rejections() = 0;
    EXPECT_EQ(t.run(bytes.data(), bytes.size()), 0);
    // A seed is a valid input of the current format: it must load, not merely fail cleanly.
    if (i < seeds.size()) EXPECT_EQ(gemmvec_fuzz::rejections(), 0u) << "a seed no longer loads";
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay,
                         testing::Values(Target{"corpus_reader", gemmvec_fuzz_corpus_reader},
                                         Target{"config", gemmvec_fuzz_config},
                                         Target{"vectors", gemmvec_fuzz_vectors},
                                         Target{"vocab", gemmvec_fuzz_vocab},
                                         Target{"token_cache", gemmvec_fuzz_token_cache},
                                         Target{"checkpoint", gemmvec_fuzz_checkpoint}),
                         [](const testing::TestParamInfo<Target>& info) { return std::string(info.param.name); });

}  // namespace
