// gemmvec: intrinsic evaluation: analogies (3CosAdd, batched GEMMs), similarity (Spearman), neighbours.
#include "gemmvec/evaluation.h"


#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <fmt/format.h>

#include "base/blas.h"
#include "eval/score_tiles.h"
#include "gemmvec/errors.h"

namespace gemmvec {
namespace {

// word2vec's compute-accuracy folds case with toupper in the C locale: ASCII only.
std::string ascii_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

std::vector<std::string> split_ws(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.emplace_back(line, start, i - start);
  }
  return out;
}

std::ifstream open_or_throw(const std::string& path, const char* what) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("{}: cannot open {}: {}", path, what, std::strerror(errno)));
  return in;
}

// Ranks 1..n with ties given the average of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& x) {
  const size_t n = x.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> rank(n);
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && x[order[j]] == x[order[i]]) ++j;
    const double r = 0.5 * static_cast<double>(i + 1 + j);  // mean of ranks i+1 .. j
    for (size_t k = i; k < j; ++k) rank[order[k]] = r;
    i = j;
  }
  return rank;
}

constexpr size_t kQuestionBatch = 256;  // analogy questions per GEMM

// Index of the first maximum of s[0..n) (n >= 1), as compute-accuracy's strict '>' picks it.
// The maximum is found in 16 independent lanes (which the compiler vectorises), then located.
size_t first_argmax(const float* s, size_t n) {
  constexpr int kLanes = 16;
  float lane[kLanes];
  for (float& l : lane) l = -std::numeric_limits<float>::infinity();
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    for (int k = 0; k < kLanes; ++k) lane[k] = s[j + k] > lane[k] ? s[j + k] : lane[k];
  }
  float m = -std::numeric_limits<float>::infinity();
  for (float l : lane) m = l > m ? l : m;
  for (; j < n; ++j) m = s[j] > m ? s[j] : m;
  size_t arg = 0;
  while (arg + 1 < n && !(s[arg] == m)) ++arg;
  return arg;
}

struct Question {
  int64_t a, b, c, d;
  bool semantic;
};

}  // namespace

VectorIndex::VectorIndex(const WordVectors& v) : words_(v.words), dim_(v.dim) {
  if (v.data.size() != v.words.size() * size_t{v.dim}) {
    throw std::invalid_argument(fmt::format("VectorIndex: {} words of dimension {} need {} values, have {}",
                                            v.words.size(), v.dim, v.words.size() * size_t{v.dim}, v.data.size()));
  }
  if (dim_ == 0 && !words_.empty()) throw std::invalid_argument("VectorIndex: vectors of dimension 0");
  unit_.resize(v.data.size());
  for (size_t i = 0; i < words_.size(); ++i) {
    const float* src = v.row(i);
    double norm2 = 0;
    for (uint32_t j = 0; j < dim_; ++j) norm2 += double{src[j]} * src[j];
    // A zero row stays zero: it is nobody's neighbour, rather than NaN.
    const float inv = norm2 > 0 ? static_cast<float>(1.0 / std::sqrt(norm2)) : 0.0f;
    float* dst = unit_.data() + i * dim_;
    for (uint32_t j = 0; j < dim_; ++j) dst[j] = src[j] * inv;
  }
  sorted_.reserve(words_.size());
  for (size_t i = 0; i < words_.size(); ++i) sorted_.emplace_back(ascii_lower(words_[i]), static_cast<int64_t>(i));
  // Same lowercase word twice: the first row (the most frequent) wins.
  std::sort(sorted_.begin(), sorted_.end());
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end(),
                            [](const auto& x, const auto& y) { return x.first == y.first; }),
                sorted_.end());
}

int64_t VectorIndex::find(const std::string& word) const {
  const std::string key = ascii_lower(word);
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), key,
                             [](const std::pair<std::string, int64_t>& e, const std::string& k) { return e.first < k; });
  return it != sorted_.end() && it->first == key ? it->second : -1;
}

std::vector<float> VectorIndex::unit_row(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= words_.size()) {
    throw std::out_of_range(fmt::format("VectorIndex::unit_row: id {} outside 0..{}", id, words_.size()));
  }
  const float* r = unit_.data() + static_cast<size_t>(id) * dim_;
  return std::vector<float>(r, r + dim_);
}

std::vector<std::pair<std::string, float>> VectorIndex::nearest(const std::vector<float>& query, size_t n,
                                                                const std::vector<int64_t>& exclude,
                                                                size_t limit) const {
  if (query.size() != dim_) {
    throw std::invalid_argument(fmt::format("VectorIndex::nearest: query has {} values, vectors have {}", query.size(), dim_));
  }
  const size_t rows = limit == 0 ? words_.size() : std::min(limit, words_.size());
  if (rows == 0 || n == 0) return {};
  double qn2 = 0;
  for (float x : query) qn2 += double{x} * x;
  const float scale = qn2 > 0 ? static_cast<float>(1.0 / std::sqrt(qn2)) : 0.0f;
  std::vector<float> scores(rows);  // (rows): cosine with every row
  blas::sgemv(static_cast<int>(rows), static_cast<int>(dim_), scale, unit_.data(), static_cast<int>(dim_), query.data(),
              0.0f, scores.data());
  std::vector<char> skip(rows, 0);
  for (int64_t id : exclude) {
    if (id >= 0 && static_cast<size_t>(id) < rows) skip[id] = 1;
  }
  std::vector<uint32_t> ids;
  ids.reserve(rows);
  for (size_t i = 0; i < rows; ++i) {
    if (!skip[i]) ids.push_back(static_cast<uint32_t>(i));
  }
  const size_t k = std::min(n, ids.size());
  // Higher cosine first; equal cosines keep the more frequent (lower id) word first.
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](uint32_t x, uint32_t y) {
    return scores[x] != scores[y] ? scores[x] > scores[y] : x < y;
  });
  std::vector<std::pair<std::string, float>> out;
  out.reserve(k);
  for (size_t i = 0; i < k; ++i) out.emplace_back(words_[ids[i]], scores[ids[i]]);
  return out;
}

std::vector<float> analogy_query(const VectorIndex& index, int64_t a, int64_t b, int64_t c) {
  std::vector<float> query = index.unit_row(b);
  const std::vector<float> ua = index.unit_row(a), uc = index.unit_row(c);
  for (size_t i = 0; i < query.size(); ++i) query[i] += uc[i] - ua[i];
  return query;
}

AnalogyScore evaluate_analogy(const VectorIndex& index, const std::string& questions_path, size_t top_n,
                              const StopCheck& stop) {
  const size_t vocab = top_n == 0 ? index.size() : std::min(top_n, index.size());
  const size_t d = index.dim();
  std::ifstream in = open_or_throw(questions_path, "analogy questions");

  AnalogyScore score;
  std::vector<Question> batch;
  batch.reserve(kQuestionBatch);
  std::vector<float> queries(kQuestionBatch * d);            // (batch, d): unit(b) - unit(a) + unit(c)
  std::vector<float> tile;                                   // (batch, tile) scores
  std::vector<float> best_score(kQuestionBatch);
  std::vector<int64_t> best_id(kQuestionBatch);
  const float* unit = index.unit_data();  // (size, d)

  auto flush = [&]() {
    const size_t nb = batch.size();
    if (nb == 0) return;
    stop_point(stop);
    for (size_t q = 0; q < nb; ++q) {
      const Question& Q = batch[q];
      const float* a = unit + Q.a * d;
      const float* b = unit + Q.b * d;
      const float* c = unit + Q.c * d;
      float* x = queries.data() + q * d;
      for (size_t j = 0; j < d; ++j) x[j] = (b[j] - a[j]) + c[j];
      best_score[q] = -std::numeric_limits<float>::infinity();
      best_id[q] = -1;
    }
    for_each_score_tile(queries.data(), nb, unit, vocab, d, kScoreTileRows, tile, [&](size_t v0, size_t nv, float* t) {
      for (size_t q = 0; q < nb; ++q) {
        float* s = t + q * nv;
        const Question& Q = batch[q];
        for (int64_t ex : {Q.a, Q.b, Q.c}) {
          if (ex >= static_cast<int64_t>(v0) && ex < static_cast<int64_t>(v0 + nv)) {
            s[ex - v0] = -std::numeric_limits<float>::infinity();
          }
        }
        const size_t arg = first_argmax(s, nv);
        const float m = s[arg];
        if (m > best_score[q]) {
          best_score[q] = m;
          best_id[q] = static_cast<int64_t>(v0 + arg);
        }
      }
    });
    for (size_t q = 0; q < nb; ++q) {
      const Question& Q = batch[q];
      // Compared as words, case folded (a case variant of d further down the list counts).
      const bool correct = best_id[q] >= 0 && index.find(index.word(best_id[q])) == Q.d;
      if (Q.semantic) {
        ++score.semantic_total;
        score.semantic_correct += correct;
      } else {
        ++score.syntactic_total;
        score.syntactic_correct += correct;
      }
    }
    batch.clear();
  };

  std::string line;
  uint64_t line_no = 0;
  bool semantic = true;
  while (std::getline(in, line)) {
    ++line_no;
    const std::vector<std::string> t = split_ws(line);
    if (t.empty()) continue;
    if (t[0][0] == ':') {
      std::string name = t[0].size() > 1 ? t[0].substr(1) : (t.size() > 1 ? t[1] : std::string());
      semantic = ascii_lower(name).rfind("gram", 0) != 0;
      continue;
    }
    if (t.size() != 4) {
      throw InputError(fmt::format("{}:{}: expected four words or ': section', found {} words", questions_path,
                                   line_no, t.size()));
    }
    ++score.questions;
    int64_t id[4];
    bool usable = true;
    for (int k = 0; k < 4; ++k) {
      id[k] = index.find(t[k]);
      if (id[k] < 0 || static_cast<size_t>(id[k]) >= vocab) usable = false;
    }
    if (!usable) continue;
    batch.push_back({id[0], id[1], id[2], id[3], semantic});
    if (batch.size() == kQuestionBatch) flush();
  }
  if (in.bad()) throw InputError(fmt::format("{}: read failed", questions_path));
  flush();
  return score;
}

SimilarityScore evaluate_similarity(const VectorIndex& index, const std::string& pairs_path, const StopCheck& stop) {
  std::ifstream in = open_or_throw(pairs_path, "word pairs");
  SimilarityScore out;
  std::vector<double> cosine, human;
  std::string line;
  uint64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::vector<std::string> t = split_ws(line);
    if (t.empty() || t[0][0] == '#') continue;
    if (t.size() < 3) {
      throw InputError(fmt::format("{}:{}: expected 'word1 word2 score', found {} fields", pairs_path, line_no,
                                   t.size()));
    }
    char* end = nullptr;
    const double h = std::strtod(t[2].c_str(), &end);
    if (end == t[2].c_str() || *end != '\0' || !std::isfinite(h)) {
      throw InputError(fmt::format("{}:{}: score '{}' is not a number", pairs_path, line_no, t[2]));
    }
    if (++out.pairs_total % 1024 == 0) stop_point(stop);
    const int64_t a = index.find(t[0]), b = index.find(t[1]);
    if (a < 0 || b < 0) continue;
    const float* x = index.unit_data() + static_cast<size_t>(a) * index.dim();
    const float* y = index.unit_data() + static_cast<size_t>(b) * index.dim();
    double dot = 0;
    for (uint32_t j = 0; j < index.dim(); ++j) dot += double{x[j]} * y[j];
    cosine.push_back(dot);
    human.push_back(h);
    ++out.pairs_used;
  }
  if (in.bad()) throw InputError(fmt::format("{}: read failed", pairs_path));
  out.spearman = spearman(cosine, human);
  return out;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument(fmt::format("spearman: {} values against {}", a.size(), b.size()));
  }
  const size_t n = a.size();
  if (n < 2) return 0;
  // Pearson correlation of the average ranks: exact with ties (as scipy.stats.spearmanr).
  const std::vector<double> ra = average_ranks(a), rb = average_ranks(b);
  const double mean = 0.5 * static_cast<double>(n + 1);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = ra[i] - mean, y = rb[i] - mean;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  if (saa == 0 || sbb == 0) return 0;  // a constant side has no ranking to correlate
  return sab / std::sqrt(saa * sbb);
}

}  // namespace gemmvec
