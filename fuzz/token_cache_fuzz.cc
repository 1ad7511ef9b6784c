// gemmvec fuzzing: the token cache. The input is PREFIX.tokens, paired with a fixed PREFIX.vocab
// (kTokenCacheVocab): TokenCache::open maps it, then the prepared-corpus path (data.tokens)
// checks it against the vocab. What loads must hold only ids inside the vocab.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "data/corpus_cache.h"
#include "data/token_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string tokens = gemmvec_fuzz::write_input("corpus.tokens", data, size);
  static const std::string vocab = gemmvec_fuzz::write_input(
      "corpus.vocab", reinterpret_cast<const uint8_t*>(gemmvec_fuzz::kTokenCacheVocab),
      sizeof gemmvec_fuzz::kTokenCacheVocab - 1);
  gemmvec_fuzz::expect_documented_errors([&] {
    const gemmvec::TokenCache cache = gemmvec::TokenCache::open(tokens);
    GEMMVEC_FUZZ_CHECK(cache.size() == 0 || cache.data()[cache.size() - 1] == gemmvec::kSentenceBreak);
    GEMMVEC_FUZZ_CHECK(cache.words() <= cache.size() && cache.words() <= cache.raw_words());
  });
  gemmvec_fuzz::expect_documented_errors([&] {
    gemmvec::Config config;
    config.data.tokens = gemmvec_fuzz::temp_dir() + "/corpus";
    const gemmvec::PreparedCorpus prepared = gemmvec::prepare_corpus(config);
    uint64_t words = 0;
    for (size_t i = 0; i < prepared.tokens.size(); ++i) {
      const uint32_t id = prepared.tokens.data()[i];
      GEMMVEC_FUZZ_CHECK(id == gemmvec::kSentenceBreak || id < prepared.vocab.size());
      words += id != gemmvec::kSentenceBreak;
    }
    GEMMVEC_FUZZ_CHECK(words == prepared.tokens.words());
  });
  return 0;
}
