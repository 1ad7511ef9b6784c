// gemmvec tests: the Huffman tree of hierarchical softmax against word2vec.c's construction
// traced by hand, against an independent priority-queue Huffman (optimal code lengths), and
// its shape: prefix-free, one consistent tree, frequent words on short paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>

#include "train/huffman_tree.h"

namespace gemmvec {
namespace {

// Code lengths of a textbook Huffman tree (merge the two lightest of a heap), and whether any
// merge had a choice between equal weights (then per-word lengths may differ between two
// optimal trees, the weighted total does not).
struct Oracle {
  std::vector<uint32_t> length;
  bool ties = false;
};

Oracle heap_huffman(const std::vector<uint64_t>& counts) {
  using Node = std::pair<uint64_t, size_t>;  // (weight, id)
  std::priority_queue<Node, std::vector<Node>, std::greater<Node>> heap;
  const size_t v = counts.size();
  std::vector<size_t> parent(2 * v, SIZE_MAX);
  for (size_t i = 0; i < v; ++i) heap.push({counts[i], i});
  Oracle o;
  size_t next = v;
  while (heap.size() > 1) {
    const Node a = heap.top();
    heap.pop();
    const Node b = heap.top();
    heap.pop();
    if (!heap.empty() && heap.top().first == b.first) o.ties = true;
    parent[a.second] = parent[b.second] = next;
    heap.push({a.first + b.first, next++});
  }
  o.length.resize(v);
  for (size_t i = 0; i < v; ++i)
    for (size_t n = i; parent[n] != SIZE_MAX; n = parent[n]) ++o.length[i];
  return o;
}

std::string code_string(const HuffmanTree& t, uint32_t w) {
  std::string s;
  for (uint32_t j = 0; j < t.length(w); ++j) s += t.code(w)[j] ? '1' : '0';
  return s;
}

uint64_t weighted_length(const HuffmanTree& t, const std::vector<uint64_t>& counts) {
  uint64_t sum = 0;
  for (uint32_t w = 0; w < counts.size(); ++w) sum += counts[w] * t.length(w);
  return sum;
}

uint64_t weighted_length(const std::vector<uint32_t>& length, const std::vector<uint64_t>& counts) {
  uint64_t sum = 0;
  for (size_t w = 0; w < counts.size(); ++w) sum += counts[w] * length[w];
  return sum;
}

// The tree is a full binary tree over V leaves: codes prefix-free and complete (Kraft sum 1),
// every path starts at the root V-2, and a code prefix always leads to the same inner node,
// V-1 of them in all, each in 0..V-2.
void expect_one_full_tree(const HuffmanTree& t) {
  const uint32_t v = t.words();
  std::vector<std::string> codes;
  double kraft = 0;
  std::map<std::string, uint32_t> node_at;  // code prefix -> inner node reached
  for (uint32_t w = 0; w < v; ++w) {
    codes.push_back(code_string(t, w));
    kraft += std::ldexp(1.0, -static_cast<int>(t.length(w)));
    ASSERT_GE(t.length(w), 1u);
    EXPECT_EQ(t.nodes(w)[0], v - 2) << "word " << w << " does not start at the root";
    for (uint32_t j = 0; j < t.length(w); ++j) {
      ASSERT_LE(t.nodes(w)[j], v - 2);
      const auto [it, added] = node_at.emplace(codes.back().substr(0, j), t.nodes(w)[j]);
      EXPECT_EQ(it->second, t.nodes(w)[j]) << "prefix '" << it->first << "' reaches two nodes";
    }
  }
  std::sort(codes.begin(), codes.end());
  for (size_t i = 0; i + 1 < codes.size(); ++i)
    EXPECT_NE(codes[i + 1].compare(0, codes[i].size(), codes[i]), 0) << codes[i] << " is a prefix of " << codes[i + 1];
  EXPECT_NEAR(kraft, 1.0, 1e-12);
  std::set<uint32_t> inner;
  for (const auto& [prefix, node] : node_at) inner.insert(node);
  EXPECT_EQ(node_at.size(), v - 1u);
  EXPECT_EQ(inner.size(), v - 1u);
}

// word2vec.c's CreateBinaryTree on counts 5 4 3 2 1, followed by hand: merges (1,2)->n0,
// (n0,3)->n1 (a tie 3 = 3 goes to the inner node), (4,5)->n2, (n1,n2)->n3, the root; the
// second of each merge takes bit 1.
TEST(HuffmanTree, MatchesWord2vecOnAHandTracedExample) {
  const HuffmanTree t({5, 4, 3, 2, 1});
  ASSERT_EQ(t.words(), 5u);
  const std::vector<std::string> codes = {"11", "10", "01", "001", "000"};
  const std::vector<std::vector<uint32_t>> nodes = {{3, 2}, {3, 2}, {3, 1}, {3, 1, 0}, {3, 1, 0}};
  for (uint32_t w = 0; w < 5; ++w) {
    EXPECT_EQ(code_string(t, w), codes[w]) << "word " << w;
    EXPECT_EQ(std::vector<uint32_t>(t.nodes(w), t.nodes(w) + t.length(w)), nodes[w]) << "word " << w;
  }
  EXPECT_EQ(t.max_length(), 3u);
}

TEST(HuffmanTree, TinyVocabularies) {
  EXPECT_EQ(HuffmanTree(std::vector<uint64_t>{}).words(), 0u);
  const HuffmanTree one({7});
  EXPECT_EQ(one.words(), 1u);
  EXPECT_EQ(one.length(0), 0u);  // nothing to predict
  const HuffmanTree two({7, 3});
  EXPECT_EQ(code_string(two, 0), "1");
  EXPECT_EQ(code_string(two, 1), "0");
  EXPECT_EQ(two.nodes(0)[0], 0u);
  EXPECT_EQ(two.nodes(1)[0], 0u);
}

// Random vocabularies, many ties (small counts) and none (counts up to 2^40): the weighted
// length is the optimum, and without ties every word's length is the oracle's.
TEST(HuffmanTree, OptimalAndEqualToAHeapHuffman) {
  std::mt19937_64 rng(12);
  for (uint64_t range : {uint64_t{20}, uint64_t{1} << 40}) {
    for (uint32_t v : {3u, 17u, 200u, 3000u}) {
      std::uniform_int_distribution<uint64_t> count(1, range);
      std::vector<uint64_t> counts(v);
      for (uint64_t& c : counts) c = count(rng);
      std::sort(counts.rbegin(), counts.rend());
      const HuffmanTree t(counts);
      expect_one_full_tree(t);
      const Oracle o = heap_huffman(counts);
      EXPECT_EQ(weighted_length(t, counts), weighted_length(o.length, counts)) << "V " << v << " range " << range;
      if (range > 1000) {
        ASSERT_FALSE(o.ties) << "the oracle met a tie: pick other counts";
        for (uint32_t w = 0; w < v; ++w) EXPECT_EQ(t.length(w), o.length[w]) << "word " << w << " of " << v;
      }
    }
  }
}

// A read vocab file need not be sorted: each word gets the path it has in the sorted order.
TEST(HuffmanTree, UnsortedCountsGetTheSortedTree) {
  const std::vector<uint64_t> sorted = {90, 50, 40, 33, 20, 8, 7, 2, 1};
  const std::vector<uint32_t> perm = {4, 0, 8, 2, 6, 1, 3, 7, 5};  // word i of the shuffle is sorted[perm[i]]
  std::vector<uint64_t> shuffled;
  for (uint32_t p : perm) shuffled.push_back(sorted[p]);
  const HuffmanTree a(sorted), b(shuffled);
  for (uint32_t i = 0; i < perm.size(); ++i) {
    EXPECT_EQ(code_string(b, i), code_string(a, perm[i]));
    EXPECT_EQ(std::vector<uint32_t>(b.nodes(i), b.nodes(i) + b.length(i)),
              std::vector<uint32_t>(a.nodes(perm[i]), a.nodes(perm[i]) + a.length(perm[i])));
  }
}

// Zipf counts (count ~ 1/rank) over 10k words: frequent words get short codes, so the mean
// path weighted by count is about 9.56 nodes (Shannon: within one bit over the entropy)
// against 13.3 for a balanced tree. The 9.16 is a slightly steeper Zipf (exponent
// about 1.035); 9.5618 is what an independent heap Huffman gives on these counts.
TEST(HuffmanTree, ZipfVocabularyHasShortWeightedPaths) {
  const uint32_t v = 10000;
  std::vector<uint64_t> counts(v);
  for (uint32_t r = 0; r < v; ++r) counts[r] = 10000000 / (r + 1);
  const HuffmanTree t(counts);
  double total = 0, entropy = 0;
  for (uint64_t c : counts) total += static_cast<double>(c);
  for (uint64_t c : counts) entropy -= c / total * std::log2(c / total);
  const double mean = static_cast<double>(weighted_length(t, counts)) / total;
  std::printf("weighted mean path %.4f nodes, entropy %.4f bits, balanced %.2f\n", mean, entropy, std::log2(v));
  EXPECT_NEAR(mean, 9.5618, 1e-3);
  EXPECT_GE(mean, entropy);
  EXPECT_LT(mean, entropy + 1);
  EXPECT_LT(mean, std::log2(v) - 3.5);
  EXPECT_LE(t.length(0), 4u);          // "the" is a few nodes away
  EXPECT_GE(t.max_length(), 14u);      // the rarest words pay for it
}

// Fibonacci counts make the deepest Huffman tree (depth V-1): past word2vec.c's fixed
// 40-entry code arrays, which would overflow; here paths have no cap.
TEST(HuffmanTree, PathsLongerThanWord2vecsCapAreKept) {
  std::vector<uint64_t> counts = {1, 1};
  while (counts.size() < 50) counts.push_back(counts[counts.size() - 1] + counts[counts.size() - 2]);
  std::reverse(counts.begin(), counts.end());
  const HuffmanTree t(counts);
  expect_one_full_tree(t);
  EXPECT_EQ(t.max_length(), 49u);
  EXPECT_EQ(weighted_length(t, counts), weighted_length(heap_huffman(counts).length, counts));
}

}  // namespace
}  // namespace gemmvec
