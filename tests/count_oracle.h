// gemmvec tests: an independent word counter, the oracle for prepare's counting pass: a plain
// std::unordered_map over read_corpus, pruned as word2vec.c's ReduceVocab prunes. fuzz/make_seeds.cc
// uses it too.
#pragma once
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/corpus_reader.h"

namespace gemmvec::test {

// Counts every token of the corpus. When a sentence leaves more than max_table distinct words
// (0: no limit), the words counted at most min_reduce times are dropped, min_reduce starting at
// 1 and rising by one per drop, until at most max_table are left.
inline std::unordered_map<std::string, uint64_t> count_words(const std::vector<std::string>& paths,
                                                             uint32_t max_sentence_length,
                                                             uint32_t max_token_bytes,
                                                             uint64_t max_table = 30'000'000) {
  ReaderLimits limits;
  limits.max_sentence_length = max_sentence_length;
  limits.max_token_bytes = max_token_bytes;
  std::unordered_map<std::string, uint64_t> counts;
  uint64_t min_reduce = 1;
  read_corpus(paths, limits, [&](const std::vector<std::string_view>& tokens) {
    for (std::string_view t : tokens) ++counts[std::string(t)];
    if (max_table == 0) return;
    while (counts.size() > max_table) {
      for (auto it = counts.begin(); it != counts.end();)
        it = it->second <= min_reduce ? counts.erase(it) : std::next(it);
      ++min_reduce;
    }
  });
  return counts;
}

}  // namespace gemmvec::test
