// gemmvec: the prepare step: a corpus's vocab and token file, made from its text.
#pragma once
#include <sys/stat.h>

#include <string>

#include "gemmvec/config.h"
#include "data/vocab.h"

namespace gemmvec {

// `gemmvec prepare`: writes PREFIX.vocab and PREFIX.tokens. One pass over the text (counting
// while writing first-seen ids to the token file, then a sequential renumbering of that binary
// file), in memory bounded by the count table (data.max_count_table; pruned as word2vec.c does).
void prepare_to_prefix(const Config& config, const std::string& prefix);

// Makes the vocab (read from vocab.read, or counted) and the token file, saving the vocab to
// vocab_path (and to vocab.save) before the token file appears, so a token file always has its
// vocab.
Vocab make_vocab_and_tokens(const Config& config, const std::string& tokens_path,
                            const std::string& vocab_path);

// Saves the vocab to vocab.save, when it is set.
void save_user_vocab(const Config& config, const Vocab& vocab);

// A corpus file's stat (the cache key records it); throws the reader's InputError first if the
// file is missing or unreadable, so a run fails before its long pass.
struct stat stat_corpus_file(const std::string& path);

}  // namespace gemmvec
