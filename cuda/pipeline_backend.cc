// gemmvec: the GEMM pipeline as a Backend (cuda and cuda-host), the batch cutting both share,
// and its factories. Builds without a pipeline get their stubs from not_built.cc.
#include <functional>
#include <stdexcept>

#include "pipeline.h"
#include "pipeline_backend.h"

namespace gemmvec {
namespace pipeline {

std::vector<size_t> cut_batches(const uint32_t* tokens, size_t n, size_t batch_words,
                                const std::function<void(size_t)>& scanned) {
  constexpr size_t kReportEvery = size_t{1} << 22;  // tokens (16 MiB)
  std::vector<size_t> ends;
  if (batch_words == 0) batch_words = 1;
  size_t begin = 0, reported = 0;
  while (begin < n) {
    size_t end = begin + batch_words < n ? begin + batch_words : n;
    while (end < n && tokens[end - 1] != kSentenceBreak) ++end;  // whole sentences only
    ends.push_back(end);
    begin = end;
    if (scanned && begin - reported >= kReportEvery) scanned(reported = begin);
  }
  return ends;
}

size_t split_point(const uint32_t* tokens, size_t begin, size_t end) {
  const size_t mid = begin + (end - begin) / 2;
  for (size_t i = mid; i > begin; --i)  // a cut right after a break, at or before the middle
    if (tokens[i - 1] == kSentenceBreak) return i;
  for (size_t i = mid + 1; i < end; ++i)  // or after it
    if (tokens[i - 1] == kSentenceBreak) return i;
  return end;
}

}  // namespace pipeline

namespace {

class PipelineBackend final : public Backend {
 public:
  explicit PipelineBackend(std::unique_ptr<pipeline::Pipeline> p) : p_(std::move(p)) {}
  std::string name() const override { return p_->name(); }
  bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, TrainControl& control) override {
    return p_->train_epoch(tokens, cursor, control);
  }
  void download(Embeddings& model) override { p_->download(model); }
  size_t device_bytes() const override { return p_->name() == "cuda" ? p_->bytes_held() : 0; }

 private:
  std::unique_ptr<pipeline::Pipeline> p_;
};

}  // namespace

std::unique_ptr<Backend> make_cuda_host_backend(const TrainPlan& plan, Embeddings initial) {
  auto p = pipeline::make_host_pipeline(plan, std::move(initial));
  if (!p) throw DeviceError(cuda_host_unavailable_reason());
  return std::make_unique<PipelineBackend>(std::move(p));
}

std::unique_ptr<Backend> make_cuda_backend(const TrainPlan& plan, Embeddings initial) {
  return std::make_unique<PipelineBackend>(pipeline::make_cuda_pipeline(plan, std::move(initial)));
}

std::string cuda_unavailable_reason() { return pipeline::cuda_problem(); }

std::string cuda_host_unavailable_reason() {
#if defined(GEMMVEC_PIPELINE_HOST)
  return "";
#else
  return "this gemmvec was built without the cuda-host backend (Thrust headers were not found)";
#endif
}

}  // namespace gemmvec
