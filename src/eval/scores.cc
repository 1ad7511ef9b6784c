// gemmvec: scores as JSON and as text.
#include "eval/scores.h"

#include <fmt/format.h>

#include "gemmvec/vectors_io.h"

namespace gemmvec {

nlohmann::ordered_json score_vectors(const VectorIndex& index, const std::vector<std::string>& analogy,
                                     const std::vector<std::string>& similarity, size_t top_n,
                                     const StopCheck& stop) {
  nlohmann::ordered_json scores = {{"analogy_top_n", top_n},
                                   {"analogy", nlohmann::ordered_json::array()},
                                   {"similarity", nlohmann::ordered_json::array()}};
  for (const std::string& file : analogy) {
    const AnalogyScore s = evaluate_analogy(index, file, top_n, stop);
    scores["analogy"].push_back({{"file", file}, {"semantic", s.semantic()}, {"syntactic", s.syntactic()},
                                 {"total", s.total()}, {"coverage", s.coverage()},
                                 {"semantic_correct", s.semantic_correct}, {"semantic_total", s.semantic_total},
                                 {"syntactic_correct", s.syntactic_correct}, {"syntactic_total", s.syntactic_total},
                                 {"questions", s.questions}});
  }
  for (const std::string& file : similarity) {
    const SimilarityScore s = evaluate_similarity(index, file, stop);
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

nlohmann::ordered_json log_likelihood_json(const std::string& file, const LogLikelihood& ll) {
  return {{"file", file}, {"pairs", ll.pairs}, {"pairs_in_text", ll.pairs_seen}, {"log_likelihood", ll.mean_log_p},
          {"perplexity", ll.perplexity()}, {"mean_log_z", ll.mean_log_z}};
}

namespace {

// The list under `key`, or an empty one: a report may hold any of the three.
const nlohmann::ordered_json& list(const nlohmann::ordered_json& scores, const char* key) {
  static const nlohmann::ordered_json none = nlohmann::ordered_json::array();
  const auto it = scores.find(key);
  return it == scores.end() ? none : *it;
}

}  // namespace

std::string scores_text(const nlohmann::ordered_json& scores) {
  std::string text;
  for (const auto& s : list(scores, "analogy"))
    text += fmt::format("analogy {}: semantic {:.2f}%  syntactic {:.2f}%  total {:.2f}%  coverage {:.2f}% ({} of {})\n",
                        s["file"].get<std::string>(), s["semantic"].get<double>(), s["syntactic"].get<double>(),
                        s["total"].get<double>(), s["coverage"].get<double>(),
                        s["semantic_total"].get<uint64_t>() + s["syntactic_total"].get<uint64_t>(),
                        s["questions"].get<uint64_t>());
  for (const auto& s : list(scores, "similarity"))
    text += fmt::format("similarity {}: spearman {:.4f}  coverage {:.2f}% ({} of {} pairs)\n", s["file"].get<std::string>(),
                        s["spearman"].get<double>(), s["coverage"].get<double>(), s["pairs_used"].get<uint64_t>(),
                        s["pairs_total"].get<uint64_t>());
  for (const auto& s : list(scores, "log_likelihood"))
    text += fmt::format("log-likelihood {}: {:.4f} per pair  perplexity {:.1f}  mean log Z {:.4f} ({} of {} pairs)\n",
                        s["file"].get<std::string>(), s["log_likelihood"].get<double>(), s["perplexity"].get<double>(),
                        s["mean_log_z"].get<double>(), s["pairs"].get<uint64_t>(), s["pairs_in_text"].get<uint64_t>());
  return text;
}

std::string neighbours_line(const VectorIndex& index, int64_t id, size_t n) {
  std::string line = index.word(id) + ":";
  for (const auto& [w, cos] : index.nearest(index.unit_row(id), n, {id})) line += fmt::format(" {} ({:.3f})", w, cos);
  return line;
}

}  // namespace gemmvec
