// gemmvec: the scores of one set of vectors on analogy and similarity files, as JSON and as
// one line per file; `gemmvec eval`, a run's OUT.json and the bench all use these.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gemmvec/evaluation.h"

namespace gemmvec {

// {"analogy_top_n": N, "analogy": [{file, semantic, syntactic, total, coverage, ...}],
//  "similarity": [{file, spearman, coverage, pairs_used, pairs_total}]}
nlohmann::ordered_json score_vectors(const VectorIndex& index, const std::vector<std::string>& analogy,
                                     const std::vector<std::string>& similarity, size_t top_n);

// score_vectors() of a vectors file, with its path, words and dim (`gemmvec eval --json`).
nlohmann::ordered_json eval_report(const std::string& path, const std::vector<std::string>& analogy,
                                   const std::vector<std::string>& similarity, size_t top_n);

// One line per file of score_vectors()'s result, as the terminal shows them.
std::string scores_text(const nlohmann::ordered_json& scores);

}  // namespace gemmvec
