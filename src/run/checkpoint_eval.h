// gemmvec: a model on disk scored as a run scores its own: a checkpoint holds both matrices and
// the config; its vocabulary comes back from the data the config names, checked to be the data
// it was trained on (as resuming checks it).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/corpus_cache.h"
#include "gemmvec/checkpoint.h"

namespace gemmvec {

// Throws InputError naming `path` when `corpus` is not the data the checkpoint was trained on
// (another token stream, or other words or counts in its vocabulary).
void check_checkpoint_corpus(const Checkpoint& checkpoint, const PreparedCorpus& corpus, const std::string& path);

// The held-out log-likelihood of the checkpoint's model on each text file (at most max_pairs
// pairs each, 0: all): {"checkpoint", "words", "dim", "loss", "log_likelihood": [...]}, the list
// as a run's scores hold it.
nlohmann::ordered_json checkpoint_log_likelihood(const std::string& path, const std::vector<std::string>& files,
                                                 uint64_t max_pairs);

}  // namespace gemmvec
