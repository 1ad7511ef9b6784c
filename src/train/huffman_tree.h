// gemmvec: the Huffman tree of hierarchical softmax (model.loss hs), word2vec.c's construction:
// per word, the inner nodes on its path from the root and the branch bit taken at each.
#pragma once
#include <cstdint>
#include <vector>

namespace gemmvec {

// Inner nodes are numbered 0..V-2 (the root is V-2) and index the rows of the output matrix
// (word2vec.c's syn1). Paths are stored flat, so a worker reads a word's path as two arrays.
class HuffmanTree {
 public:
  HuffmanTree() = default;
  // word2vec.c's CreateBinaryTree over counts sorted by count, descending: a two-pointer merge
  // of the two smallest of (leaves not yet merged, inner nodes made so far), the second of
  // each merge taking bit 1. Counts in another order are sorted first (stable), so a read
  // vocab file gets the same tree as the counted one. Paths have no length cap (word2vec.c's
  // 40 is an array size): a tree's depth grows as log of the total count, at most ~92 for
  // 64-bit counts.
  explicit HuffmanTree(const std::vector<uint64_t>& counts);

  uint32_t words() const { return begin_.empty() ? 0 : static_cast<uint32_t>(begin_.size() - 1); }
  uint32_t length(uint32_t w) const { return static_cast<uint32_t>(begin_[w + 1] - begin_[w]); }
  // (length(w)) the inner nodes from the root down to w's parent.
  const uint32_t* nodes(uint32_t w) const { return nodes_.data() + begin_[w]; }
  // (length(w)) the branch taken at each of those nodes: 1 or 0, as word2vec.c's code.
  const uint8_t* code(uint32_t w) const { return code_.data() + begin_[w]; }
  uint32_t max_length() const { return max_length_; }

 private:
  std::vector<uint64_t> begin_;  // (V + 1) offsets into nodes_ and code_
  std::vector<uint32_t> nodes_;  // (sum of lengths)
  std::vector<uint8_t> code_;    // (sum of lengths)
  uint32_t max_length_ = 0;
};

}  // namespace gemmvec
