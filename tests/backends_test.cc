// gemmvec tests: the backend table: the names the config accepts, defaults per backend, and the
// one-line refusals when a backend cannot run here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_keys.h"
#include "pipeline_backend.h"
#include "run/backends.h"

namespace gemmvec {
namespace {

TEST(Backends, TableMatchesTheConfigChoices) {
  std::vector<std::string> names{"auto"};
  for (const BackendEntry& b : backends()) names.emplace_back(b.name);
  const config_keys::Key* key = config_keys::find_key("train.backend");
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->choices, names);
}

TEST(Backends, DefaultsComeFromTheTable) {
  EXPECT_EQ(find_backend("cpu").defaults.group_size, 1u);
  EXPECT_EQ(find_backend("cpu").defaults.row_update_cap, 0.0f);
  for (const char* name : {"cuda", "cuda-host"}) {
    const BackendDefaults d = find_backend(name).defaults;
    EXPECT_EQ(d.group_size, 8u) << name;
    EXPECT_EQ(d.group_negatives, 16u) << name;
    EXPECT_EQ(d.batch_words, 16384u) << name;
    EXPECT_EQ(d.row_update_cap, 128.0f) << name;
  }
}

TEST(Backends, UnknownNameSuggestsTheClosest) {
  try {
    find_backend("cuda_host");
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'cuda-host'?"), std::string::npos) << e.what();
  }
}

TEST(Backends, AutoAndCudaWithoutAGpu) {
  const std::string why = cuda_unavailable_reason();
  if (why.empty()) GTEST_SKIP() << "a usable GPU is present: auto picks cuda";
  EXPECT_STREQ(choose_backend("auto", OutputLoss::kNeg).name, "cpu");
  try {
    choose_backend("cuda", OutputLoss::kNeg);
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), "train.backend is cuda but " + why + " (use train.backend: cpu or cuda-host)");
  }
}

// hs trains on the cpu backend only: auto picks it whether or not a GPU is here (one note on
// stderr), and the pipeline backends refuse it in one line that names the way out.
TEST(Backends, HsPicksOrAsksForTheCpuBackend) {
  ::testing::internal::CaptureStderr();
  EXPECT_STREQ(choose_backend("auto", OutputLoss::kHs).name, "cpu");
  const std::string note = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(note.find("using the cpu backend: model.loss hs"), std::string::npos) << note;
  EXPECT_STREQ(choose_backend("cpu", OutputLoss::kHs).name, "cpu");
  for (const char* name : {"cuda", "cuda-host"}) {
    try {
      choose_backend(name, OutputLoss::kHs);
      FAIL() << name << ": no UsageError";
    } catch (const UsageError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("(use train.backend: cpu)"), std::string::npos) << what;
      EXPECT_NE(what.find(std::string("on the ") + name + " backend"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
}

}  // namespace
}  // namespace gemmvec
