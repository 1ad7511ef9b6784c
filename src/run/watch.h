// gemmvec: train.watch: words whose nearest neighbours are printed while the model trains, as
// TensorFlow's word2vec tutorial prints its validation words.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/vocab.h"
#include "gemmvec/embeddings.h"

namespace gemmvec {

class WatchWords {
 public:
  // Finds each word in the vocabulary (exactly, else ignoring ASCII case); a word it lacks is a
  // UsageError naming the closest vocabulary word. `vocab` must outlive this.
  WatchWords(const std::vector<std::string>& words, const Vocab& vocab);
  bool empty() const { return ids_.empty(); }
  // Prints to stderr, under a line naming `when`, each word's 8 nearest neighbours by cosine of
  // the model's input vectors (model.in is taken).
  void print(Embeddings&& model, const std::string& when) const;

 private:
  const Vocab& vocab_;
  std::vector<uint32_t> ids_;
};

}  // namespace gemmvec
