// gemmvec microbenchmarks: corpus reading (tokenizing plain text) and prepare's counting pass
// (tokenize, look up or insert each word, count, emit first-seen ids), in MB/s of text.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "data/corpus_reader.h"
#include "data/word_index.h"

namespace gemmvec {
namespace {

// A ~32 MB Zipf-distributed plain-text corpus (100k distinct words, 20-word lines), written once
// per process to the temporary directory and removed at exit.
struct TextFile {
  std::string path;
  size_t bytes = 0;
  TextFile() {
    const char* tmp = std::getenv("TMPDIR");
    path = std::string(tmp ? tmp : "/tmp") + "/gemmvec_corpus_bench." + std::to_string(::getpid()) + ".txt";
    std::mt19937 rng(7);
    std::vector<double> weights(100000);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = 1.0 / (i + 1);
    std::discrete_distribution<uint32_t> word(weights.begin(), weights.end());
    std::string text;
    while (text.size() < (size_t{32} << 20)) {
      for (int i = 0; i < 20; ++i) {
        text += "w" + std::to_string(word(rng));
        text += i + 1 < 20 ? ' ' : '\n';
      }
    }
    std::ofstream(path, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
    bytes = text.size();
  }
  ~TextFile() { std::remove(path.c_str()); }
};

const TextFile& text_file() {
  static TextFile f;
  return f;
}

void BM_ReadCorpus(benchmark::State& state) {
  const TextFile& f = text_file();
  uint64_t words = 0;
  for (auto _ : state) {
    read_corpus({f.path}, ReaderLimits{}, [&](const std::vector<std::string_view>& t) { words += t.size(); });
  }
  benchmark::DoNotOptimize(words);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
}
BENCHMARK(BM_ReadCorpus)->Unit(benchmark::kMillisecond);

// prepare's single pass without the file writes: every word looked up (or added) and counted.
void BM_CountAndEncode(benchmark::State& state) {
  const TextFile& f = text_file();
  uint64_t sum = 0;
  for (auto _ : state) {
    WordIndex index;
    std::vector<uint64_t> counts;
    std::vector<uint32_t> ids;
    read_corpus({f.path}, ReaderLimits{}, [&](const std::vector<std::string_view>& t) {
      ids.resize(t.size());
      index.insert(t.data(), t.size(), ids.data());
      for (uint32_t i : ids) {
        if (i == counts.size()) counts.push_back(1);
        else ++counts[i];
        sum += i;
      }
    });
  }
  benchmark::DoNotOptimize(sum);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * f.bytes));
}
BENCHMARK(BM_CountAndEncode)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace gemmvec
