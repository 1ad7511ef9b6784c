// gemmvec: the CPU backend: Hogwild threads over shards of the token stream, one group step per
// group of centers in a sentence (docs/algorithm.md), rows updated in place. Under hs a group
// draws no negatives (K = 0) and its pairs go to the hierarchical-softmax step.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_step.h"
#include "cpu/hs_step.h"
#include "train/alias_table.h"
#include "cpu/cpu_backend.h"
#include "math/sampling.h"

namespace gemmvec {
namespace {

constexpr uint64_t kReportWords = 10000;  // words between progress updates (and lr refreshes)
constexpr uint64_t kLossEvery = 8;        // the loss is computed for one group in this many
constexpr uint32_t kPrefetchNodes = 4;    // hs: the deepest path nodes prefetched per center

// Walks one shard of the token stream sentence by sentence and trains each group.
class Worker {
 public:
  Worker(const TrainPlan& plan, Embeddings& m, uint32_t epoch, TrainControl& control, CpuTrace* trace)
      : plan_(plan), m_(m), epoch_(epoch), control_(control), noise_(plan.noise.view()), trace_(trace) {}

  // Trains tokens[begin, end) and returns end, or stops after a report when a pause is
  // requested and returns the position reached (a sentence start: where a resume begins).
  size_t run(const TokenCache& cache, size_t begin, size_t end) {
    const uint32_t* tokens = cache.data();
    size_t released = begin;  // consumed pages are dropped from RSS as the shard advances
    weights_ = plan_.weights(control_.lr());
    size_t s = begin;
    for (size_t p = begin; p < end; ++p) {
      if (tokens[p] != kSentenceBreak) continue;
      sentence(tokens, s, p);
      s = p + 1;
      if (words_ >= kReportWords) {
        flush();
        released = cache.release(released, s);
        if (s < end && control_.should_pause()) return s;
      }
    }
    if (s < end) sentence(tokens, s, end);
    flush();
    return end;
  }

 private:
  void flush() {
    control_.report(words_, loss_, loss_pairs_);
    words_ = 0;
    loss_ = 0;
    loss_pairs_ = 0;
    weights_.lr = control_.lr();
  }

  // Trains the centers of tokens[begin, end), a sentence without its break.
  void sentence(const uint32_t* tokens, size_t begin, size_t end) {
    words_ += end - begin;
    kept_.clear();
    pos_.clear();
    span_.clear();
    for (size_t p = begin; p < end; ++p) {
      const uint32_t w = tokens[p];
      const Philox4 r = token_draw(plan_.seed, epoch_, p);
      if (!keep_token(r, plan_.keep[w])) continue;
      kept_.push_back(w);
      pos_.push_back(p);
      span_.push_back(window_span(r, plan_.window));
    }
    if (trace_) trace_->kept.insert(trace_->kept.end(), pos_.begin(), pos_.end());
    const int64_t n = static_cast<int64_t>(kept_.size());
    uint64_t group = ~uint64_t{0};
    for (int64_t c = 0; c < n; ++c) {
      const uint64_t g = pos_[c] / plan_.group_size;
      if (g != group) {
        step(group);
        group = g;
        if (ahead_group_ == g) {
          std::swap(pairs_.negatives, ahead_negatives_);
          // The swap left the previous group's negatives behind; a group that goes on past a
          // sentence break meets g again and must draw, not swap them back.
          ahead_group_ = ~uint64_t{0};
        } else {
          draw_negatives(g, pairs_.negatives);
        }
      }
      if (c + 1 < n) prefetch_ahead(c + 1, group);
      const int64_t span = span_[c];
      const int64_t lo = std::max<int64_t>(0, c - span), hi = std::min<int64_t>(n - 1, c + span);
      if (hi == lo) continue;  // no context
      if (trace_) trace_pairs(c, lo, hi);
      const uint32_t out = static_cast<uint32_t>(pairs_.outs.size());
      pairs_.outs.push_back(kept_[c]);
      if (plan_.type == ModelType::kCbow) {
        for (int64_t a = lo; a <= hi; ++a)
          if (a != c) pairs_.inputs.push_back(kept_[a]);
        pairs_.input_begin.push_back(static_cast<uint32_t>(pairs_.inputs.size()));
        pairs_.out_of.push_back(out);
      } else {
        for (int64_t a = lo; a <= hi; ++a) {
          if (a == c) continue;
          pairs_.inputs.push_back(kept_[a]);
          pairs_.input_begin.push_back(static_cast<uint32_t>(pairs_.inputs.size()));
          pairs_.out_of.push_back(out);
        }
      }
    }
    step(group);
  }

  void trace_pairs(int64_t c, int64_t lo, int64_t hi) {
    for (int64_t a = lo; a <= hi; ++a) {
      if (a == c) continue;
      trace_->pair_center.push_back(pos_[c]);
      trace_->pair_context.push_back(pos_[a]);
    }
  }

  void draw_negatives(uint64_t g, std::vector<uint32_t>& into) {
    into.resize(plan_.group_negatives);
    for (uint32_t j = 0; j < plan_.group_negatives; ++j)
      into[j] = draw_negative(noise_, plan_.seed, epoch_, g, j);
  }

  void prefetch_row(const float* row) {
    for (uint32_t i = 0; i < plan_.dim; i += 16) __builtin_prefetch(row + i, 1, 3);
  }

  // The output rows a center's pairs read: its own row, or (hs) the deepest nodes of its path
  // (the upper ones are shared by many words and stay in cache).
  void prefetch_output(uint32_t w) {
    if (!hs_) return prefetch_row(m_.out_row(w));
    const uint32_t len = plan_.tree.length(w), from = len > kPrefetchNodes ? len - kPrefetchNodes : 0;
    for (uint32_t j = from; j < len; ++j) prefetch_row(m_.out_row(plan_.tree.nodes(w)[j]));
  }

  // The rows the next center will touch come from L3 or memory: ask for them one center
  // ahead, drawing the next group's negatives early to know theirs.
  void prefetch_ahead(int64_t next, uint64_t group) {
    prefetch_output(kept_[next]);
    const int64_t last = std::min<int64_t>(static_cast<int64_t>(kept_.size()) - 1, next + plan_.window);
    prefetch_row(m_.in_row(kept_[last]));
    const uint64_t g = pos_[next] / plan_.group_size;
    if (g == group || g == ahead_group_) return;
    draw_negatives(g, ahead_negatives_);
    ahead_group_ = g;
    for (uint32_t w : ahead_negatives_) prefetch_row(m_.out_row(w));
  }

  void step(uint64_t group) {
    if (pairs_.pairs() == 0) return;
    if (trace_) {
      trace_->step_group.push_back(group);
      trace_->step_pairs_end.push_back(trace_->pair_center.size());
      trace_->step_negatives.insert(trace_->step_negatives.end(), pairs_.negatives.begin(), pairs_.negatives.end());
    }
    const bool with_loss = (++groups_ % kLossEvery) == 0;
    const double loss = hs_ ? cpu_hs_step(m_, plan_.tree, pairs_, weights_.lr, scratch_, with_loss)
                            : cpu_group_step(m_, pairs_, weights_, plan_.log_noise.data(), scratch_, with_loss);
    if (with_loss) {
      loss_ += loss;
      loss_pairs_ += pairs_.pairs();
    }
    pairs_.clear();
  }

  const TrainPlan& plan_;
  Embeddings& m_;
  const uint32_t epoch_;
  TrainControl& control_;
  const AliasView noise_;
  CpuTrace* const trace_;  // null but in tests
  const bool hs_ = plan_.loss == OutputLoss::kHs;
  LossWeights weights_{};
  std::vector<uint32_t> kept_;
  std::vector<uint64_t> pos_;
  std::vector<uint32_t> span_;
  GroupPairs pairs_;
  std::vector<uint32_t> ahead_negatives_;   // negatives of group ahead_group_, drawn early
  uint64_t ahead_group_ = ~uint64_t{0};
  StepScratch scratch_;
  uint64_t words_ = 0, loss_pairs_ = 0, groups_ = 0;
  double loss_ = 0;
};

class CpuBackend final : public Backend {
 public:
  CpuBackend(const TrainPlan& plan, Embeddings initial, CpuTrace* trace)
      : plan_(plan), m_(std::move(initial)), trace_(trace) {}
  std::string name() const override { return "cpu"; }

  bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, TrainControl& control) override {
    const uint32_t* t = tokens.data();
    const size_t n = tokens.size();
    // Shards end at sentence breaks so no window crosses a shard.
    std::vector<size_t> cut{0};
    for (uint32_t i = 1; i < plan_.threads; ++i) {
      size_t p = std::max(cut.back(), n * i / plan_.threads);
      while (p < n && t[p] != kSentenceBreak) ++p;
      cut.push_back(std::min(n, p + 1));
    }
    cut.push_back(n);
    const size_t shards = cut.size() - 1;
    if (trace_ && shards > 1) throw std::invalid_argument("a traced cpu backend runs one thread");
    if (cursor.shards.empty()) cursor.shards.assign(cut.begin(), cut.end() - 1);
    if (cursor.shards.size() != shards)
      throw InputError("the checkpoint has " + std::to_string(cursor.shards.size()) +
                               " shards, this run " + std::to_string(shards) +
                               " (resume with the threads it was written with)");
    for (size_t i = 0; i < shards; ++i)
      if (cursor.shards[i] < cut[i] || cursor.shards[i] > cut[i + 1])
        throw InputError("the checkpoint's position lies outside its shard (resume on the corpus it was written on)");
    std::vector<std::thread> threads;
    for (size_t i = 0; i < shards; ++i)
      threads.emplace_back([&, i] {
        cursor.shards[i] = Worker(plan_, m_, cursor.epoch, control, trace_).run(tokens, cursor.shards[i], cut[i + 1]);
      });
    for (auto& th : threads) th.join();
    for (size_t i = 0; i < shards; ++i)
      if (cursor.shards[i] != cut[i + 1]) return false;
    return true;
  }

  void download(Embeddings& model) override { model = m_; }

 private:
  TrainPlan plan_;
  Embeddings m_;
  CpuTrace* const trace_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(const TrainPlan& plan, Embeddings initial) {
  return std::make_unique<CpuBackend>(plan, std::move(initial), nullptr);
}

std::unique_ptr<Backend> make_traced_cpu_backend(const TrainPlan& plan, Embeddings initial, CpuTrace* trace) {
  return std::make_unique<CpuBackend>(plan, std::move(initial), trace);
}

}  // namespace gemmvec
