// gemmvec: word vectors in word2vec.c's binary and text formats (gensim reads both).
#pragma once
#include <cstdint>
#include <string>
#include <vector>


namespace gemmvec {

// Word vectors as users load them: words in file order, one row each.
struct WordVectors {
  std::vector<std::string> words;
  uint32_t dim = 0;
  std::vector<float> data;  // (words.size(), dim)
  const float* row(size_t i) const { return data.data() + i * dim; }
};

// Binary: "V D\n", then per word its bytes, a space, D little-endian float32, "\n".
// Text: "V D\n", then "word v1 v2 ... vD\n" with %f-style decimals as word2vec.c writes.
// Both are written to a fresh PATH.tmp.XXXXXX and renamed into place; a link is written
// through to its target, a device or FIFO (/dev/null) in place.
void save_word2vec_binary(const std::string& path, const WordVectors& v);
void save_word2vec_text(const std::string& path, const WordVectors& v);
// Detects the format (binary or text) from the content. A file that reads whole in both (a
// binary row's float bytes can all be digits) takes the format its name gives: .bin binary,
// .txt or .vec text. Throws InputError naming the file on truncated or malformed input.
WordVectors load_word2vec(const std::string& path);

}  // namespace gemmvec
