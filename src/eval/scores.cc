// gemmvec: scores as JSON and as text.
#include "eval/scores.h"

#include <fmt/format.h>

#include "gemmvec/vectors_io.h"

namespace gemmvec {

nlohmann::ordered_json score_vectors(const VectorIndex& index, const std::vector<std::string>& analogy,
                                     const std::vector<std::string>& similarity, size_t top_n) {
  nlohmann::ordered_json scores = {{"analogy_top_n", top_n},
                                   {"analogy", nlohmann::ordered_json::array()},
                                   {"similarity", nlohmann::ordered_json::array()}};
  for (const std::string& file : analogy) {
    const AnalogyScore s = evaluate_analogy(index, file, top_n);
    scores["analogy"].push_back({{"file", file}, {"semantic", s.semantic()}, {"syntactic", s.syntactic()},
                                 {"total", s.total()}, {"coverage", s.coverage()},
                                 {"semantic_correct", s.semantic_correct}, {"semantic_total", s.semantic_total},
                                 {"syntactic_correct", s.syntactic_correct}, {"syntactic_total", s.syntactic_total},
                                 {"questions", s.questions}});
  }
  for (const std::string& file : similarity) {
    const SimilarityScore s = evaluate_similarity(index, file);
    const double coverage = s.pairs_total ? 100.0 * s.pairs_used / s.pairs_total : 0;
    scores["similarity"].push_back({{"file", file}, {"spearman", s.spearman}, {"coverage", coverage},
                                    {"pairs_used", s.pairs_used}, {"pairs_total", s.pairs_total}});
  }
  return scores;
}

nlohmann::ordered_json eval_report(const std::string& path, const std::vector<std::string>& analogy,
                                   const std::vector<std::string>& similarity, size_t top_n) {
  const VectorIndex index(load_word2vec(path));
  nlohmann::ordered_json report = {{"vectors", path}, {"words", index.size()}, {"dim", index.dim()}};
  report.update(score_vectors(index, analogy, similarity, top_n));
  return report;
}

std::string scores_text(const nlohmann::ordered_json& scores) {
  std::string text;
  for (const auto& s : scores["analogy"])
    text += fmt::format("analogy {}: semantic {:.2f}%  syntactic {:.2f}%  total {:.2f}%  coverage {:.2f}% ({} of {})\n",
                        s["file"].get<std::string>(), s["semantic"].get<double>(), s["syntactic"].get<double>(),
                        s["total"].get<double>(), s["coverage"].get<double>(),
                        s["semantic_total"].get<uint64_t>() + s["syntactic_total"].get<uint64_t>(),
                        s["questions"].get<uint64_t>());
  for (const auto& s : scores["similarity"])
    text += fmt::format("similarity {}: spearman {:.4f}  coverage {:.2f}% ({} of {} pairs)\n", s["file"].get<std::string>(),
                        s["spearman"].get<double>(), s["coverage"].get<double>(), s["pairs_used"].get<uint64_t>(),
                        s["pairs_total"].get<uint64_t>());
  return text;
}

}  // namespace gemmvec
