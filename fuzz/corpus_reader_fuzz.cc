// gemmvec fuzzing: the corpus reader (plain, .gz, .xz by magic bytes) with small limits taken
// from the first two bytes, so sentence splitting and UTF-8 token cutting are both reached.
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "data/corpus_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  gemmvec::ReaderLimits limits;
  limits.max_sentence_length = 1 + data[0] % 8;
  limits.max_token_bytes = 1 + data[1] % 8;
  const std::string path = gemmvec_fuzz::write_input("corpus", data + 2, size - 2);
  gemmvec_fuzz::expect_documented_errors([&] {
    uint64_t tokens = 0;
    const gemmvec::ReaderStats stats = gemmvec::read_corpus({path}, limits, [&](const std::vector<std::string_view>& s) {
      GEMMVEC_FUZZ_CHECK(!s.empty() && s.size() <= limits.max_sentence_length);
      for (std::string_view t : s) {
        // A token over the limit keeps its first UTF-8 character whole (4 bytes at most).
        GEMMVEC_FUZZ_CHECK(!t.empty() && t.size() <= std::max<size_t>(limits.max_token_bytes, 4));
        for (char c : t) GEMMVEC_FUZZ_CHECK(c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\0');
      }
      tokens += s.size();
    });
    GEMMVEC_FUZZ_CHECK(stats.tokens == tokens);
  });
  return 0;
}
