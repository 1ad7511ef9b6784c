// gemmvec: the watched words: found in the vocabulary before training, their neighbours printed
// at the run's watch pauses.
#include "run/watch.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include <fmt/format.h>

#include "base/stderr_lines.h"

#include "eval/scores.h"
#include "gemmvec/config.h"
#include "gemmvec/evaluation.h"

namespace gemmvec {
namespace {

bool equal_ignoring_case(const std::string& a, const std::string& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

WatchWords::WatchWords(const std::vector<std::string>& words, const Vocab& vocab) : vocab_(vocab) {
  for (const std::string& word : words) {
    uint32_t id = vocab.find(word);
    if (id == Vocab::kMissing) {
      const auto& all = vocab.words();
      const auto it = std::find_if(all.begin(), all.end(), [&](const std::string& w) { return equal_ignoring_case(w, word); });
      if (it == all.end())
        throw UsageError(fmt::format("train.watch: '{}' is not in the vocabulary (did you mean '{}'?)", word,
                                     closest_match(word, all)));
      id = static_cast<uint32_t>(it - all.begin());
    }
    ids_.push_back(id);
  }
}

void WatchWords::print(Embeddings&& model, const std::string& when) const {
  WordVectors vectors;
  vectors.words = vocab_.words();
  vectors.dim = model.dim;
  vectors.data = std::move(model.in);
  const VectorIndex index(vectors);
  std::string text = fmt::format("gemmvec: nearest words {}:\n", when);
  for (uint32_t id : ids_) text += "  " + neighbours_line(index, id, 8) + "\n";
  print_lines(text);
}

}  // namespace gemmvec
