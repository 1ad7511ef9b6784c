// gemmvec tests: the cpu backend's draws (kept words, reduced windows, pairs, and the negatives
// each group step trains with) against the independent expansion of docs/algorithm.md, at group
// sizes whose groups straddle sentence breaks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cpu/cpu_backend.h"
#include "pipeline_fixture.h"
#include "run/run_control.h"

namespace gemmvec {
namespace {

struct DrawCase {
  ModelType type;
  uint32_t group_size;
};

std::string draw_case_name(const DrawCase& c) {
  return std::string(c.type == ModelType::kSkipGram ? "SkipGram" : "Cbow") + "Group" + std::to_string(c.group_size);
}

// Groups with pairs on both sides of a sentence break: the worker trains sentence by sentence,
// so these are where a group's state has to survive a break.
size_t straddling_groups(const test::RefExpansion& x, const uint32_t* tokens) {
  std::map<uint64_t, std::pair<uint64_t, uint64_t>> centers;  // group -> first, last center
  for (const test::ExpandedPair& p : x.pairs) {
    auto it = centers.try_emplace(p.group, p.center_pos, p.center_pos).first;
    it->second.second = p.center_pos;  // pairs come in center order
  }
  size_t n = 0;
  for (const auto& [g, c] : centers)
    if (std::find(tokens + c.first, tokens + c.second, kSentenceBreak) != tokens + c.second) ++n;
  return n;
}

class CpuDraws : public ::testing::TestWithParam<DrawCase> {};

TEST_P(CpuDraws, MatchIndependentExpansion) {
  const DrawCase dc = GetParam();
  // Sentences of 1..30 words: many breaks fall inside a group of 3 or 8 positions.
  test::CacheOnDisk c = test::cache_from_text(test::synthetic_text(300, 30000, 8), "cpu_draws_" + draw_case_name(dc));
  test::PlanOptions o;
  o.type = dc.type;
  o.vocab = c.vocab.size();
  o.group_size = dc.group_size;
  const TrainPlan plan = test_plan(o, c.vocab.counts());
  CpuTrace trace;
  auto backend = make_traced_cpu_backend(plan, test::random_embeddings(o.vocab, o.dim, 2), &trace);
  const RunControlOptions po = test::epochs_over(c.cache, 3);
  RunControl control(po, {});
  const uint32_t epoch = 2;  // not 0: the epoch keys every draw
  control.start_epoch(epoch);
  TrainCursor cursor{epoch, {}};
  ASSERT_TRUE(backend->train_epoch(c.cache, cursor, control));

  const test::RefExpansion x = test::reference_expansion(plan, c.cache.data(), c.cache.size(), 0, epoch);
  ASSERT_EQ(trace.kept, x.kept);
  const test::FlatPairs flat = test::flat_pairs(x);
  ASSERT_EQ(trace.pair_center, flat.center);
  ASSERT_EQ(trace.pair_context, flat.context);

  // Each step trains pairs of one group, in corpus order, with that group's K negatives.
  const uint32_t K = plan.group_negatives;
  const size_t steps = trace.step_group.size();
  ASSERT_GT(steps, 0u);
  ASSERT_EQ(trace.step_pairs_end.size(), steps);
  ASSERT_EQ(trace.step_negatives.size(), steps * K);
  ASSERT_EQ(trace.step_pairs_end.back(), flat.center.size());
  size_t begin = 0, wrong = 0;
  std::string first_wrong;
  for (size_t s = 0; s < steps; ++s) {
    const uint64_t g = trace.step_group[s];
    if (s) ASSERT_LE(trace.step_group[s - 1], g) << "step " << s;
    ASSERT_LT(begin, trace.step_pairs_end[s]) << "step " << s << " has no pairs";
    for (size_t i = begin; i < trace.step_pairs_end[s]; ++i)
      ASSERT_EQ(flat.center[i] / plan.group_size, g) << "pair " << i << " of step " << s;
    begin = trace.step_pairs_end[s];
    const std::vector<uint32_t> got(trace.step_negatives.begin() + s * K, trace.step_negatives.begin() + (s + 1) * K);
    const std::vector<uint32_t>& want = x.negatives.at(g);
    if (got == want) continue;
    if (wrong++ == 0) {
      first_wrong = "step " + std::to_string(s) + " (group " + std::to_string(g) + "): got";
      for (uint32_t w : got) first_wrong += " " + std::to_string(w);
      first_wrong += ", want";
      for (uint32_t w : want) first_wrong += " " + std::to_string(w);
    }
  }
  EXPECT_EQ(wrong, 0u) << wrong << " of " << steps << " group steps trained with negatives not their group's; first "
                       << first_wrong;

  const size_t straddling = straddling_groups(x, c.cache.data());
  if (dc.group_size > 1) EXPECT_GT(straddling, 100u) << "the text should put groups across sentence breaks";
  std::printf("  %zu kept, %zu pairs, %zu group steps, %zu groups across a break\n", x.kept.size(),
              flat.center.size(), steps, straddling);
}

INSTANTIATE_TEST_SUITE_P(Cpu, CpuDraws,
                         ::testing::Values(DrawCase{ModelType::kSkipGram, 1}, DrawCase{ModelType::kSkipGram, 3},
                                           DrawCase{ModelType::kSkipGram, 8}, DrawCase{ModelType::kCbow, 1},
                                           DrawCase{ModelType::kCbow, 3}, DrawCase{ModelType::kCbow, 8}),
                         [](const ::testing::TestParamInfo<DrawCase>& info) { return draw_case_name(info.param); });

}  // namespace
}  // namespace gemmvec
