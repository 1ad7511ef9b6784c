// gemmvec: the scores of one set of vectors on analogy and similarity files, and of a model on
// held-out text, as JSON and as one line per file; `gemmvec eval`, a run's OUT.json and the
// bench all use these.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/log_likelihood.h"
#include "gemmvec/evaluation.h"

namespace gemmvec {

// {"analogy_top_n": N, "analogy": [{file, semantic, syntactic, total, coverage, ...}],
//  "similarity": [{file, spearman, coverage, pairs_used, pairs_total}]}
// `stop`: as the scoring loops poll it (gemmvec/evaluation.h).
nlohmann::ordered_json score_vectors(const VectorIndex& index, const std::vector<std::string>& analogy,
                                     const std::vector<std::string>& similarity, size_t top_n,
                                     const StopCheck& stop = {});

// score_vectors() of a vectors file, with its path, words and dim (`gemmvec eval --json`).
nlohmann::ordered_json eval_report(const std::string& path, const std::vector<std::string>& analogy,
                                   const std::vector<std::string>& similarity, size_t top_n);

// {file, pairs, pairs_in_text, log_likelihood, perplexity, mean_log_z}: one entry of the scores'
// "log_likelihood" list.
nlohmann::ordered_json log_likelihood_json(const std::string& file, const LogLikelihood& ll);

// One line per file of score_vectors()'s result (and of a "log_likelihood" list beside it), as
// the terminal shows them.
std::string scores_text(const nlohmann::ordered_json& scores);

// "word: n1 (0.812) n2 (0.790) ...": the n words nearest to row `id` by cosine, itself excluded.
std::string neighbours_line(const VectorIndex& index, int64_t id, size_t n);

}  // namespace gemmvec
