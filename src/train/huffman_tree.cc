// gemmvec: building the Huffman tree of hierarchical softmax as word2vec.c does.
#include "train/huffman_tree.h"

#include <algorithm>
#include <cstddef>
#include <numeric>

namespace gemmvec {

HuffmanTree::HuffmanTree(const std::vector<uint64_t>& counts) {
  const size_t v = counts.size();
  begin_.assign(v + 1, 0);
  if (v < 2) return;  // one word: no inner node, nothing to predict
  // Leaf order by count, descending (the vocab's own order when it is sorted already).
  std::vector<uint32_t> order(v);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return counts[a] > counts[b]; });

  // Nodes 0..v-1 are the leaves in that order, v..2v-2 the inner nodes in creation order.
  std::vector<uint64_t> weight(2 * v - 1);
  for (size_t i = 0; i < v; ++i) weight[i] = counts[order[i]];
  std::vector<size_t> parent(2 * v - 1, 0);
  std::vector<uint8_t> bit(2 * v - 1, 0);
  std::ptrdiff_t leaf = static_cast<std::ptrdiff_t>(v) - 1;  // the smallest leaf not yet merged
  size_t inner = v;                                // the smallest inner node not yet merged
  for (size_t made = v; made < 2 * v - 1; ++made) {
    size_t pick[2];
    for (size_t& p : pick) {
      // word2vec.c takes the leaf only when strictly smaller: on a tie, the inner node.
      if (leaf >= 0 && (inner == made || weight[leaf] < weight[inner])) p = static_cast<size_t>(leaf--);
      else p = inner++;
    }
    weight[made] = weight[pick[0]] + weight[pick[1]];
    parent[pick[0]] = parent[pick[1]] = made;
    bit[pick[1]] = 1;
  }

  // Paths, root first; inner node n (creation order) is output row n - v, the root v - 2.
  const size_t root = 2 * v - 2;
  std::vector<uint32_t> depth(v);
  for (size_t i = 0; i < v; ++i) {
    uint32_t n = 0;
    for (size_t b = i; b != root; b = parent[b]) ++n;
    depth[order[i]] = n;
  }
  for (size_t w = 0; w < v; ++w) begin_[w + 1] = begin_[w] + depth[w];
  nodes_.resize(begin_[v]);
  code_.resize(begin_[v]);
  for (size_t i = 0; i < v; ++i) {
    const uint32_t w = order[i];
    max_length_ = std::max(max_length_, depth[w]);
    size_t at = begin_[w] + depth[w];
    for (size_t b = i; b != root; b = parent[b]) {
      --at;
      code_[at] = bit[b];
      nodes_[at] = static_cast<uint32_t>(parent[b] - v);
    }
  }
}

}  // namespace gemmvec
