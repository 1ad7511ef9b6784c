// gemmvec fuzzing: the word-vector loader, word2vec.c's binary and text formats (detected from
// the content). A file that loads must have one row per word, and must load back the same
// after being written in the binary format.
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_util.h"
#include "gemmvec/vectors_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  // The first byte picks the file name (the format is detected from the content either way).
  const std::string path = gemmvec_fuzz::write_input(data[0] & 1 ? "vectors.txt" : "vectors.bin", data + 1, size - 1);
  gemmvec_fuzz::expect_documented_errors([&] {
    const gemmvec::WordVectors v = gemmvec::load_word2vec(path);
    GEMMVEC_FUZZ_CHECK(v.data.size() == v.words.size() * size_t{v.dim});
    if (v.words.empty()) return;
    const std::string copy = gemmvec_fuzz::temp_dir() + "/copy.bin";
    gemmvec::save_word2vec_binary(copy, v);
    const gemmvec::WordVectors w = gemmvec::load_word2vec(copy);
    GEMMVEC_FUZZ_CHECK(w.dim == v.dim && w.words == v.words && w.data.size() == v.data.size());
    GEMMVEC_FUZZ_CHECK(std::memcmp(w.data.data(), v.data.data(), v.data.size() * sizeof(float)) == 0);
  });
  return 0;
}
