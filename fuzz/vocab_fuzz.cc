// gemmvec fuzzing: Vocab::load, word2vec.c's "word count" file. A vocab that loads must index
// every word and survive save and load unchanged.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "data/vocab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = gemmvec_fuzz::write_input("words.vocab", data, size);
  gemmvec_fuzz::expect_documented_errors([&] {
    const gemmvec::Vocab v = gemmvec::Vocab::load(path);
    GEMMVEC_FUZZ_CHECK(v.words().size() == v.counts().size());
    uint64_t total = 0;
    for (uint32_t i = 0; i < v.size(); ++i) {
      GEMMVEC_FUZZ_CHECK(!v.word(i).empty() && v.find(v.word(i)) == i);
      total += v.count(i);
    }
    GEMMVEC_FUZZ_CHECK(total == v.total());
    const std::string copy = gemmvec_fuzz::temp_dir() + "/copy.vocab";
    v.save(copy);
    const gemmvec::Vocab w = gemmvec::Vocab::load(copy);
    GEMMVEC_FUZZ_CHECK(w.words() == v.words() && w.counts() == v.counts());
  });
  return 0;
}
