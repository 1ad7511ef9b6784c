// gemmvec: intrinsic evaluation: analogies (3CosAdd), word-pair similarity (Spearman), neighbours.
#pragma once
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gemmvec/vectors_io.h"

namespace gemmvec {

// Polled by the scoring loops between blocks of work (a batch of analogy questions, a block of
// held-out pairs, a similarity pair): true stops them with ScoringStopped. Empty: never stop.
using StopCheck = std::function<bool()>;
struct ScoringStopped : std::runtime_error {
  ScoringStopped() : std::runtime_error("scoring stopped") {}
};
// Throws ScoringStopped when `stop` says so.
inline void stop_point(const StopCheck& stop) {
  if (stop && stop()) throw ScoringStopped();
}

// Unit-normalised rows and a lowercase word index: the form every query uses.
class VectorIndex {
 public:
  explicit VectorIndex(const WordVectors& v);
  // Id of a word (case-insensitive), or -1.
  int64_t find(const std::string& word) const;
  // The n nearest words to `query` by cosine among the first `limit` rows (0: all), skipping
  // the ids in `exclude`.
  std::vector<std::pair<std::string, float>> nearest(const std::vector<float>& query, size_t n,
                                                     const std::vector<int64_t>& exclude = {},
                                                     size_t limit = 0) const;
  std::vector<float> unit_row(int64_t id) const;
  size_t size() const { return words_.size(); }
  uint32_t dim() const { return dim_; }
  const float* unit_data() const { return unit_.data(); }  // (size, dim) normalised rows
  const std::string& word(int64_t id) const { return words_[id]; }

 private:
  std::vector<std::string> words_;
  uint32_t dim_ = 0;
  std::vector<float> unit_;  // (size, dim) normalised rows
  std::vector<std::pair<std::string, int64_t>> sorted_;  // lowercase word -> id, for lookup
};

// "a is to b as c is to ?" as `gemmvec analogy` asks it: unit(b) - unit(a) + unit(c), whose
// nearest words (a, b and c excluded) are the answers.
std::vector<float> analogy_query(const VectorIndex& index, int64_t a, int64_t b, int64_t c);

struct AnalogyScore {
  uint64_t semantic_correct = 0, semantic_total = 0;
  uint64_t syntactic_correct = 0, syntactic_total = 0;
  uint64_t questions = 0;  // all questions in the file
  double semantic() const { return semantic_total ? 100.0 * semantic_correct / semantic_total : 0; }
  double syntactic() const { return syntactic_total ? 100.0 * syntactic_correct / syntactic_total : 0; }
  double total() const {
    const uint64_t t = semantic_total + syntactic_total;
    return t ? 100.0 * (semantic_correct + syntactic_correct) / t : 0;
  }
  double coverage() const { return questions ? 100.0 * (semantic_total + syntactic_total) / questions : 0; }
};

// word2vec's compute-accuracy: 3CosAdd, top-1, case-insensitive, restricted to the top_n most
// frequent words (rows are in frequency order; 0: all), a, b, c excluded; sections whose name
// starts with "gram" are syntactic. Throws InputError naming the file on malformed lines.
AnalogyScore evaluate_analogy(const VectorIndex& index, const std::string& questions_path,
                              size_t top_n, const StopCheck& stop = {});

struct SimilarityScore {
  double spearman = 0;
  uint64_t pairs_used = 0, pairs_total = 0;
};

// Spearman rho between cosine and the human score; '#' lines skipped, pairs with an unknown
// word skipped and counted. Tab- or space-separated "w1 w2 score".
SimilarityScore evaluate_similarity(const VectorIndex& index, const std::string& pairs_path,
                                    const StopCheck& stop = {});

// Spearman rank correlation with average ranks for ties.
double spearman(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace gemmvec
