// gemmvec tests: evaluation (Spearman, similarity coverage, 3CosAdd analogies, neighbours).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gemmvec/config.h"
#include "gemmvec/evaluation.h"

namespace gemmvec {
namespace {

class EvalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "gemmvec_eval_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = dir_ + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  std::string dir_;
};

// ---- Spearman ----------------------------------------------------------------------------

TEST(EvalSpearman, HandComputedValues) {
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {10, 20, 30}), 1.0);
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3}, {3, 2, 1}), -1.0);
  // No ties: 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 6 * 2 / 60.
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {1, 3, 2, 4}), 0.8, 1e-12);
  // Monotone transforms do not matter, only ranks.
  EXPECT_NEAR(spearman({0.1, 5, 2, 100}, {-3, 7, 1, 8}), 1.0, 1e-12);
}

TEST(EvalSpearman, TiesGetAverageRanks) {
  // b's ranks: 1, 2, 3.5, 5, 3.5. Pearson of (1..5) with them: 8 / sqrt(10 * 9.5).
  EXPECT_NEAR(spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}), 8.0 / std::sqrt(95.0), 1e-12);
  // Ties on both sides: a ranks 1.5 1.5 3 4, b ranks 1 2.5 2.5 4.
  // Centered: a -1 -1 0.5 1.5 (sum sq 4.5), b -1.5 0 0 1.5 (sum sq 4.5), cross 1.5 + 2.25.
  EXPECT_NEAR(spearman({1, 1, 2, 3}, {0, 5, 5, 9}), 3.75 / 4.5, 1e-12);
}

TEST(EvalSpearman, DegenerateInputs) {
  EXPECT_EQ(spearman({}, {}), 0.0);
  EXPECT_EQ(spearman({1}, {2}), 0.0);
  EXPECT_EQ(spearman({1, 1, 1}, {1, 2, 3}), 0.0);  // a constant side ranks nothing
  EXPECT_THROW(spearman({1, 2}, {1, 2, 3}), std::invalid_argument);
}

// ---- the index and neighbours ---------------------------------------------------------------

WordVectors make(const std::vector<std::pair<std::string, std::vector<float>>>& rows) {
  WordVectors v;
  v.dim = static_cast<uint32_t>(rows.at(0).second.size());
  for (const auto& [w, x] : rows) {
    v.words.push_back(w);
    v.data.insert(v.data.end(), x.begin(), x.end());
  }
  return v;
}

TEST(EvalIndex, LookupIsCaseInsensitiveAndFirstRowWins) {
  const VectorIndex idx(make({{"the", {1, 0}}, {"Paris", {0, 2}}, {"paris", {3, 4}}, {"ÉTÉ", {1, 1}}}));
  EXPECT_EQ(idx.size(), 4u);
  EXPECT_EQ(idx.dim(), 2u);
  EXPECT_EQ(idx.find("the"), 0);
  EXPECT_EQ(idx.find("THE"), 0);
  EXPECT_EQ(idx.find("paris"), 1);  // "Paris" comes first
  EXPECT_EQ(idx.find("PaRiS"), 1);
  EXPECT_EQ(idx.find("ÉTÉ"), 3);    // ASCII case folding, as compute-accuracy's toupper
  EXPECT_EQ(idx.find("london"), -1);
  EXPECT_EQ(idx.find(""), -1);
  const std::vector<float> u = idx.unit_row(2);
  EXPECT_FLOAT_EQ(u[0], 0.6f);
  EXPECT_FLOAT_EQ(u[1], 0.8f);
}

TEST(EvalIndex, ZeroRowsStayZero) {
  const VectorIndex idx(make({{"a", {0, 0}}, {"b", {1, 0}}}));
  EXPECT_EQ(idx.unit_row(0), (std::vector<float>{0, 0}));
  const auto near = idx.nearest({1, 0}, 2);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0].first, "b");
  EXPECT_EQ(near[1].second, 0.0f);
}

TEST(EvalIndex, NearestOrdersByCosine) {
  const VectorIndex idx(make({{"east", {1, 0}},
                              {"north", {0, 5}},
                              {"northeast", {2, 2}},
                              {"west", {-3, 0}},
                              {"nne", {1, 3}}}));
  // Query length does not matter; scores are cosines.
  auto near = idx.nearest({0, 10}, 3);
  ASSERT_EQ(near.size(), 3u);
  EXPECT_EQ(near[0].first, "north");
  EXPECT_NEAR(near[0].second, 1.0, 1e-6);
  EXPECT_EQ(near[1].first, "nne");
  EXPECT_NEAR(near[1].second, 3 / std::sqrt(10.0), 1e-6);
  EXPECT_EQ(near[2].first, "northeast");
  EXPECT_NEAR(near[2].second, std::sqrt(0.5), 1e-6);
  // Exclusions, and a limit to the first rows.
  near = idx.nearest({0, 1}, 10, {1, 4});
  ASSERT_EQ(near.size(), 3u);
  EXPECT_EQ(near[0].first, "northeast");
  EXPECT_EQ(near[2].first, "west");
  near = idx.nearest({0, 1}, 10, {}, 3);
  ASSERT_EQ(near.size(), 3u);
  EXPECT_EQ(near[0].first, "north");
  EXPECT_EQ(near[1].first, "northeast");
  EXPECT_EQ(near[2].first, "east");
  EXPECT_TRUE(idx.nearest({0, 1}, 0).empty());
  EXPECT_THROW(idx.nearest({0, 1, 2}, 1), std::invalid_argument);
}

// ---- analogies -------------------------------------------------------------------------------

// Rows in "frequency" order. Axes: 0 royal, 1 female, 2 person, 3 noise, 4 good, 5 comparative,
// 6 bad, 7 noise, 8 country, 9 capital, 10 german.
WordVectors analogy_vectors() {
  auto v = [](std::initializer_list<std::pair<int, float>> parts) {
    std::vector<float> x(11, 0.0f);
    for (auto [i, a] : parts) x[i] = a;
    return x;
  };
  return make({
      {"man", v({{1, -1}, {2, 1}})},                 // 0
      {"woman", v({{1, 1}, {2, 1}})},                // 1
      {"king", v({{0, 1}, {1, -1}})},                // 2
      {"queen", v({{0, 1}, {1, 1}, {3, 0.5}})},      // 3
      {"good", v({{4, 1}})},                         // 4
      {"better", v({{4, 1}, {5, 0.3}})},             // 5
      {"bad", v({{6, 1}})},                          // 6
      {"worse", v({{5, 0.3}, {6, 1}, {7, 0.5}})},    // 7: further from x than "bad" is
      {"Paris", v({{8, 1}, {9, 1}})},                // 8
      {"France", v({{8, 1}})},                       // 9
      {"Berlin", v({{9, 1}, {10, 1}})},              // 10
      {"Germany", v({{10, 1}})},                     // 11
      {"Queen", v({{0, 1}, {1, 1}})},                // 12: a case variant of row 3, exactly on x
      {"girl", v({{1, 1}, {2, 1}, {3, 0.6}})},       // 13: rare
  });
}

const char* kQuestions =
    ": capital-common-countries\n"
    "france paris germany berlin\n"
    ": family\n"
    "MAN WOMAN KING QUEEN\n"
    "man woman king girl\n"
    "\n"
    ": gram1-adjective-to-comparative\n"
    "good better bad worse\n"
    "good better bad unknownword\n"
    ": gram2-opposite\n"
    "king queen man woman\n";

// word2vec's compute-accuracy, in double precision, for cross-checking.
AnalogyScore reference_analogy(const WordVectors& v, const std::string& questions, size_t top_n) {
  const size_t n = top_n == 0 ? v.words.size() : std::min(top_n, v.words.size());
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto find = [&](const std::string& w) -> int64_t {
    for (size_t i = 0; i < n; ++i) {
      if (lower(v.words[i]) == lower(w)) return static_cast<int64_t>(i);
    }
    return -1;
  };
  std::vector<double> unit(v.data.size());
  for (size_t i = 0; i < v.words.size(); ++i) {
    double s = 0;
    for (uint32_t j = 0; j < v.dim; ++j) s += double{v.row(i)[j]} * v.row(i)[j];
    for (uint32_t j = 0; j < v.dim; ++j) unit[i * v.dim + j] = v.row(i)[j] / std::sqrt(s);
  }
  AnalogyScore score;
  bool semantic = true;
  std::istringstream in(questions);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string w[4];
    if (!(ls >> w[0])) continue;
    if (w[0] == ":") {
      ls >> w[1];
      semantic = w[1].rfind("gram", 0) != 0;
      continue;
    }
    ls >> w[1] >> w[2] >> w[3];
    ++score.questions;
    int64_t id[4];
    bool ok = true;
    for (int k = 0; k < 4; ++k) ok = (id[k] = find(w[k])) >= 0 && ok;
    if (!ok) continue;
    double best = -1e300;
    size_t arg = 0;
    for (size_t c = 0; c < n; ++c) {
      if (static_cast<int64_t>(c) == id[0] || static_cast<int64_t>(c) == id[1] || static_cast<int64_t>(c) == id[2]) continue;
      double dot = 0;
      for (uint32_t j = 0; j < v.dim; ++j) {
        dot += (unit[id[1] * v.dim + j] - unit[id[0] * v.dim + j] + unit[id[2] * v.dim + j]) * unit[c * v.dim + j];
      }
      if (dot > best) {
        best = dot;
        arg = c;
      }
    }
    const bool correct = lower(v.words[arg]) == lower(w[3]);
    (semantic ? score.semantic_total : score.syntactic_total)++;
    (semantic ? score.semantic_correct : score.syntactic_correct) += correct;
  }
  return score;
}

void expect_score(const AnalogyScore& s, uint64_t questions, uint64_t sem_ok, uint64_t sem, uint64_t syn_ok,
                  uint64_t syn) {
  EXPECT_EQ(s.questions, questions);
  EXPECT_EQ(s.semantic_correct, sem_ok);
  EXPECT_EQ(s.semantic_total, sem);
  EXPECT_EQ(s.syntactic_correct, syn_ok);
  EXPECT_EQ(s.syntactic_total, syn);
}

TEST_F(EvalTest, AnalogyHandMadeAnswers) {
  const WordVectors v = analogy_vectors();
  const VectorIndex idx(v);
  const std::string q = write("q.txt", kQuestions);

  // The premises the expectations rest on.
  auto x = [&](const char* a, const char* b, const char* c) {
    std::vector<float> ua = idx.unit_row(idx.find(a)), ub = idx.unit_row(idx.find(b)), uc = idx.unit_row(idx.find(c));
    for (size_t j = 0; j < ua.size(); ++j) ub[j] = ub[j] - ua[j] + uc[j];
    return ub;
  };
  // Without exclusions "bad" (c) would be the answer; excluded, "worse" is.
  EXPECT_EQ(idx.nearest(x("good", "better", "bad"), 1)[0].first, "bad");
  EXPECT_EQ(idx.nearest(x("good", "better", "bad"), 1, {4, 5, 6})[0].first, "worse");
  // The family question lands on "Queen" (row 12), a case variant of "queen" (row 3).
  EXPECT_EQ(idx.nearest(x("man", "woman", "king"), 1, {0, 1, 2})[0].first, "Queen");
  // "king queen man" lands on the rare "girl" with the full vocabulary, on "woman" without it.
  EXPECT_EQ(idx.nearest(x("king", "queen", "man"), 1, {0, 2, 3})[0].first, "girl");
  EXPECT_EQ(idx.nearest(x("king", "queen", "man"), 1, {0, 2, 3}, 13)[0].first, "woman");

  // Full vocabulary: 6 questions; "unknownword" not counted. Semantic: france (right),
  // MAN..QUEEN (right, through the case variant), man..girl (wrong: Queen). Syntactic:
  // good..worse (right, thanks to the exclusion), king..woman (wrong: girl).
  expect_score(evaluate_analogy(idx, q, 0), 6, 2, 3, 1, 2);
  // Top 13 rows: "girl" is out, so man..girl is not counted and can no longer be predicted.
  expect_score(evaluate_analogy(idx, q, 13), 6, 2, 2, 2, 2);
  // Top 12: "Queen" is out too; the family question falls back on "queen" (row 3).
  expect_score(evaluate_analogy(idx, q, 12), 6, 2, 2, 2, 2);
  // Top 4: only man/woman/king/queen questions count.
  expect_score(evaluate_analogy(idx, q, 4), 6, 1, 1, 1, 1);
  // top_n beyond the vocabulary means all of it.
  expect_score(evaluate_analogy(idx, q, 1000), 6, 2, 3, 1, 2);

  // The reference implementation agrees on all of these.
  for (size_t top : {0, 13, 12, 4, 3}) {
    const AnalogyScore got = evaluate_analogy(idx, q, top), want = reference_analogy(v, kQuestions, top);
    SCOPED_TRACE(top);
    expect_score(got, want.questions, want.semantic_correct, want.semantic_total, want.syntactic_correct,
                 want.syntactic_total);
  }
  const AnalogyScore s = evaluate_analogy(idx, q, 0);
  EXPECT_NEAR(s.semantic(), 200.0 / 3, 1e-9);
  EXPECT_NEAR(s.syntactic(), 50.0, 1e-9);
  EXPECT_NEAR(s.total(), 60.0, 1e-9);
  EXPECT_NEAR(s.coverage(), 500.0 / 6, 1e-9);
}

TEST_F(EvalTest, AnalogyMatchesReferenceAcrossBatchesAndTiles) {
  // Enough questions for several GEMM batches and enough words for several vocabulary tiles;
  // half the questions have their answer planted, half are noise.
  const size_t V = 9000, D = 16, Q = 700;
  WordVectors v;
  v.dim = D;
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  for (size_t i = 0; i < V; ++i) v.words.push_back("w" + std::to_string(i));
  v.data.resize(V * D);
  for (auto& x : v.data) x = nd(rng);
  std::vector<uint32_t> perm(V);
  std::iota(perm.begin(), perm.end(), 0);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::string text;
  for (size_t q = 0; q < Q; ++q) {
    if (q % 100 == 0) text += q % 200 == 0 ? ": semantic-" + std::to_string(q) + "\n" : ": gram-" + std::to_string(q) + "\n";
    const uint32_t* id = &perm[4 * q];
    if (q % 2 == 0) {  // plant d near b - a + c
      float* d = v.data.data() + size_t{id[3]} * D;
      for (size_t j = 0; j < D; ++j) {
        double na = 0, nb = 0, nc = 0;
        for (size_t k = 0; k < D; ++k) {
          na += double{v.data[id[0] * D + k]} * v.data[id[0] * D + k];
          nb += double{v.data[id[1] * D + k]} * v.data[id[1] * D + k];
          nc += double{v.data[id[2] * D + k]} * v.data[id[2] * D + k];
        }
        d[j] = static_cast<float>(v.data[id[1] * D + j] / std::sqrt(nb) - v.data[id[0] * D + j] / std::sqrt(na) +
                                  v.data[id[2] * D + j] / std::sqrt(nc)) +
               0.05f * nd(rng);
      }
    }
    for (int k = 0; k < 4; ++k) text += (k ? " " : "") + v.words[id[k]];
    text += "\n";
  }
  const std::string path = write("q.txt", text);
  const VectorIndex idx(v);
  for (size_t top : {size_t{0}, size_t{6000}}) {
    SCOPED_TRACE(top);
    const AnalogyScore got = evaluate_analogy(idx, path, top), want = reference_analogy(v, text, top);
    expect_score(got, want.questions, want.semantic_correct, want.semantic_total, want.syntactic_correct,
                 want.syntactic_total);
    // The planted answers are found (a fifth of the questions survive the top-6000 cut).
    EXPECT_GT(got.semantic_correct + got.syntactic_correct, top == 0 ? Q / 4 : Q / 20);
  }
}

TEST_F(EvalTest, AnalogyErrors) {
  const VectorIndex idx(analogy_vectors());
  const std::string bad = write("bad.txt", ": s\nman woman king queen\nman woman king\n");
  try {
    evaluate_analogy(idx, bad, 0);
    ADD_FAILURE() << "no error for a three-word line";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + ":3:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(evaluate_analogy(idx, dir_ + "/missing.txt", 0), InputError);
  // An empty file is zero questions, not an error.
  const AnalogyScore s = evaluate_analogy(idx, write("empty.txt", ""), 0);
  EXPECT_EQ(s.questions, 0u);
  EXPECT_EQ(s.total(), 0.0);
  EXPECT_EQ(s.coverage(), 0.0);
}

// ---- similarity ------------------------------------------------------------------------------

TEST_F(EvalTest, SimilarityCountsCoverageAndRanks) {
  // Cosines against "a" (1,0): b 1, c 0.8, d 0, e -1.
  const VectorIndex idx(make({{"a", {1, 0}}, {"b", {2, 0}}, {"c", {4, 3}}, {"d", {0, 1}}, {"E", {-1, 0}}}));
  const std::string pairs = write("pairs.tsv",
                                  "# a comment\n"
                                  "# w1\tw2\tscore\n"
                                  "a\tb\t9.0\n"
                                  "A c 7.5\n"          // spaces, and case folding
                                  "a\td\t8\n"
                                  "a\te\t1\n"          // "e" matches "E"
                                  "a\tzzz\t5\n"        // unknown: skipped, counted
                                  "\n"
                                  "qqq\tb\t3\n");      // unknown: skipped, counted
  const SimilarityScore s = evaluate_similarity(idx, pairs);
  EXPECT_EQ(s.pairs_total, 6u);
  EXPECT_EQ(s.pairs_used, 4u);
  // Cosine ranks 4 3 2 1, human ranks 4 2 3 1: 1 - 6 * 2 / (4 * 15).
  EXPECT_NEAR(s.spearman, 0.8, 1e-9);
}

TEST_F(EvalTest, SimilarityErrorsAndEmptyCoverage) {
  const VectorIndex idx(make({{"a", {1, 0}}, {"b", {0, 1}}}));
  const std::string bad = write("bad.tsv", "a\tb\t1\na\tb\n");
  try {
    evaluate_similarity(idx, bad);
    ADD_FAILURE() << "no error for a two-field line";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(bad + ":2:"), std::string::npos) << e.what();
  }
  EXPECT_THROW(evaluate_similarity(idx, write("nan.tsv", "a b high\n")), InputError);
  EXPECT_THROW(evaluate_similarity(idx, dir_ + "/missing.tsv"), InputError);
  const SimilarityScore s = evaluate_similarity(idx, write("none.tsv", "x y 1\nz w 2\n"));
  EXPECT_EQ(s.pairs_total, 2u);
  EXPECT_EQ(s.pairs_used, 0u);
  EXPECT_EQ(s.spearman, 0.0);
}

}  // namespace
}  // namespace gemmvec
