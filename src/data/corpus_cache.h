// gemmvec: the prepared corpus a run trains on, found or made: data.tokens, or a cache under
// data.cache_dir keyed by the corpus files and the vocab settings.
#pragma once
#include "gemmvec/config.h"
#include "data/token_cache.h"
#include "data/vocab.h"

namespace gemmvec {

// The prepared corpus a run trains on: vocab plus token cache.
struct PreparedCorpus {
  Vocab vocab;
  TokenCache tokens;
};

// Builds or reuses the vocab and token cache for config.data/config.vocab: from
// config.data.tokens if set (PREFIX.vocab + PREFIX.tokens), else from the corpus files,
// caching under data.cache_dir keyed by the files (path, size, mtime) and the vocab settings.
PreparedCorpus prepare_corpus(const Config& config);

}  // namespace gemmvec
