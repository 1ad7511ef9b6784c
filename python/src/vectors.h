// gemmvec Python binding: word vectors held by the module (a trained model or a loaded file),
// with the query index the CLI's `similar`, `analogy` and `eval` use, built on first use.
#pragma once
#include <memory>

#include "gemmvec/evaluation.h"
#include "gemmvec/vectors_io.h"

namespace gemmvec::py {

class Vectors {
 public:
  explicit Vectors(WordVectors v) : data_(std::move(v)) {}
  WordVectors& data() { return data_; }
  // The unit-row index over the rows as they are now; reindex() after changing them in place.
  const VectorIndex& index();
  void reindex() { index_.reset(); }

 private:
  WordVectors data_;                    // (words, dim): the numpy view points here
  std::unique_ptr<VectorIndex> index_;  // normalised copy, for queries
};

}  // namespace gemmvec::py
