// gemmvec: the GEMM pipeline class: scratch sized once, the steps of pipeline_steps.inl run in
// order per batch, the epoch driver. Single source, included by pipeline_host.cc and
// pipeline_cuda.cu after their platform header; docs/algorithm.md is the contract.
#pragma once
#include <chrono>

#include "pipeline_steps.inl"
#include "fused_step.inl"

namespace gemmvec::GV_PIPELINE_NS {

// ---- the pipeline ----------------------------------------------------------------------------

// Scratch sizes for batches of up to `tokens` positions.
struct Capacity {
  size_t tokens = 0, groups = 0, rows = 0, slots = 0, entries = 0;
};

class GemmPipeline final : public pipeline::Pipeline {
 public:
  GemmPipeline(const TrainPlan& plan, Embeddings initial)
      : plan_(plan), ctx_(plan), rows_(initial.rows), d_(initial.dim) {
    if (initial.dim != plan.dim)
      throw InputError("GEMM pipeline: initial matrices have dim " + std::to_string(initial.dim) +
                               ", the plan " + std::to_string(plan.dim));
    if (plan.window == 0 || plan.group_size == 0 || plan.group_negatives == 0)
      throw UsageError("GEMM pipeline: window, group_size and group_negatives must be positive");
    if (plan.keep.size() != rows_ || plan.noise.prob().size() != rows_)
      throw InputError("GEMM pipeline: the plan's tables do not match the vocabulary size");
    const size_t matrix = static_cast<size_t>(rows_) * d_;
    try {
      w_in_ = Buffer<float>(matrix);
      w_out_ = Buffer<float>(matrix);
      keep_ = Buffer<float>(rows_);
      noise_prob_ = Buffer<float>(rows_);
      noise_alias_ = Buffer<uint32_t>(rows_);
      count_in_ = Buffer<float>(rows_);
      count_out_ = Buffer<float>(rows_);
      b_out_ = Buffer<float>(plan.output_bias ? rows_ : 0);
      log_q_ = Buffer<float>(plan.log_noise.size());
      counts_ = Buffer<StepCounts>(1);
      inputs_ = Buffer<StepInputs>(1);
    } catch (const DeviceOutOfMemory&) {
      throw ResourceError(out_of_memory_message(2 * matrix * sizeof(float), 0));
    }
    ctx_.to_device(w_in_.data(), initial.in.data(), matrix * sizeof(float));
    ctx_.to_device(w_out_.data(), initial.out.data(), matrix * sizeof(float));
    ctx_.to_device(keep_.data(), plan.keep.data(), rows_ * sizeof(float));
    ctx_.to_device(noise_prob_.data(), plan.noise.prob().data(), rows_ * sizeof(float));
    ctx_.to_device(noise_alias_.data(), plan.noise.alias().data(), rows_ * sizeof(uint32_t));
    if (plan.output_bias) {
      if (initial.out_bias.size() != rows_) throw InputError("GEMM pipeline: the output biases do not match the vocabulary size");
      ctx_.to_device(b_out_.data(), initial.out_bias.data(), rows_ * sizeof(float));
    }
    if (!plan.log_noise.empty()) ctx_.to_device(log_q_.data(), plan.log_noise.data(), rows_ * sizeof(float));
    const StepCounts zero;
    ctx_.to_device(counts_.data(), &zero, sizeof(StepCounts));
    auto pol = ctx_.policy();
    thrust::fill_n(pol, count_in_.data(), rows_, 0.0f);  // zero between steps from here on
    thrust::fill_n(pol, count_out_.data(), rows_, 0.0f);
    ctx_.check("update counts");
    ctx_.sync();
    if (plan.fused) start_fused();
  }

  std::string name() const override { return kPipelineName; }
  bool replays() const override { return ctx_.replays(); }
  void set_launch(pipeline::Launch launch) {
    ctx_.set_launch_capacity(launch.capacity);
    ctx_.set_replay(launch.replay);
    resident_ = launch.resident;
  }

  size_t bytes_held() const override {
    return w_in_.bytes() + w_out_.bytes() + keep_.bytes() + noise_prob_.bytes() + count_in_.bytes() + count_out_.bytes() +
           noise_alias_.bytes() + b_out_.bytes() + log_q_.bytes() + fused_.bytes() + scratch_bytes_ +
           (staging_ ? staging_->bytes() : 0);
  }

  pipeline::StepStats step(const uint32_t* tokens, size_t n, uint64_t base, uint32_t epoch, float lr,
                           pipeline::StepTrace* trace) override {
    reserve(n);
    if (plan_.fused) take_totals();  // this step's loss alone
    return run_checked(staging_->put_sync(tokens, n), n, words_in(tokens, n), base, epoch, lr, trace, true);
  }

  bool train_epoch(const TokenCache& tokens, TrainCursor& cursor, TrainControl& control) override {
    const uint32_t* t = tokens.data();
    const size_t n = tokens.size();
    const uint32_t epoch = cursor.epoch;
    if (t != cut_tokens_ || n != cut_size_) {
      // The scan touches every page: they leave RSS as it goes, and batches map them back.
      size_t released = 0;
      cuts_ = pipeline::cut_batches(t, n, std::max<uint32_t>(plan_.batch_words, 1),
                                    [&](size_t upto) { released = tokens.release(released, upto); });
      tokens.release(released, n);
      cut_tokens_ = t;
      cut_size_ = n;
      size_t longest = 0;
      for (size_t b = 0; b < cuts_.size(); ++b) longest = std::max(longest, cuts_[b] - (b ? cuts_[b - 1] : 0));
      reserve(longest);
    }
    const size_t batches = cuts_.size();
    const size_t first = first_batch(cursor);
    cursor.shards.assign(1, n);
    if (first >= batches) return true;
    // The epoch's tokens on the device where they fit in half its free memory (uploaded once
    // per run); else each batch streams through the staging buffers while the one before trains.
    const uint32_t* resident = resident_ ? staging_->resident(t, n, ctx_.free_bytes() / 2) : nullptr;
    if (resident && resident != t) tokens.release(0, n);  // the upload read every page
    if (!resident)
      staging_->put(static_cast<int>(first & 1), t + (first ? cuts_[first - 1] : 0),
                    cuts_[first] - (first ? cuts_[first - 1] : 0));
    size_t released = first ? cuts_[first - 1] : 0;  // consumed pages leave RSS as batches advance
    // The fused step's loss and pairs stay on the device; the host reads them this often.
    using Clock = std::chrono::steady_clock;
    constexpr std::chrono::milliseconds kLossEvery{100};
    auto loss_read = Clock::now();
    for (size_t b = first; b < batches; ++b) {
      const size_t begin = b ? cuts_[b - 1] : 0, end = cuts_[b];
      if (!resident && b + 1 < batches) staging_->put(static_cast<int>((b + 1) & 1), t + end, cuts_[b + 1] - end);
      const uint32_t* dev = resident ? resident + begin : staging_->get(static_cast<int>(b & 1));
      const pipeline::StepStats st =
          run_checked(dev, end - begin, words_in(t + begin, end - begin), begin, epoch, control.lr(), nullptr, false);
      if (!resident) staging_->done(static_cast<int>(b & 1));
      if (st.overflow) train_split(t, begin, end, epoch, control);
      else control.report(st.words, st.loss, st.pairs);
      if (plan_.fused && Clock::now() - loss_read >= kLossEvery) {
        report_totals(control);
        loss_read = Clock::now();
      }
      released = tokens.release(released, end);
      if (b + 1 < batches && control.should_pause()) {
        ctx_.sync();
        if (plan_.fused) report_totals(control);
        cursor.shards.assign(1, end);
        return false;
      }
    }
    ctx_.sync();
    if (plan_.fused) report_totals(control);
    return true;
  }

  void download(Embeddings& model) override {
    const size_t matrix = static_cast<size_t>(rows_) * d_;
    model.rows = rows_;
    model.dim = d_;
    model.in.resize(matrix);
    model.out.resize(matrix);
    ctx_.to_host(model.in.data(), w_in_.data(), matrix * sizeof(float));
    ctx_.to_host(model.out.data(), w_out_.data(), matrix * sizeof(float));
    model.out_bias.resize(b_out_.size());
    if (b_out_.size()) ctx_.to_host(model.out_bias.data(), b_out_.data(), b_out_.size() * sizeof(float));
  }

 private:
  bool skip_gram() const { return plan_.type == ModelType::kSkipGram; }
  float* bias() { return b_out_.data(); }  // null without model.output_bias

  // The batch a cursor resumes at: the one starting at its position (0 for a fresh epoch).
  size_t first_batch(const TrainCursor& cursor) const {
    if (cursor.shards.empty()) return 0;
    const uint64_t at = cursor.shards.size() == 1 ? cursor.shards[0] : ~uint64_t{0};
    if (at == 0) return 0;
    const auto it = std::lower_bound(cuts_.begin(), cuts_.end(), at);
    if (it == cuts_.end() || *it != at)
      throw InputError("the checkpoint's position is not a batch boundary of this run "
                               "(resume with the batch size and backend it was written with)");
    return static_cast<size_t>(it - cuts_.begin()) + 1;
  }

  Capacity capacity_for(size_t n) const {
    const size_t w = plan_.window, K = plan_.group_negatives;
    Capacity c;
    c.tokens = n;
    c.groups = std::min(n, n / plan_.group_size + 2);
    const size_t worst = skip_gram() ? n * 2 * w : n;  // every word kept, every span full
    if (worst * (d_ + K + 8) * sizeof(float) <= (size_t(256) << 20)) {
      c.rows = worst;  // small batches: room for any pairs without padding
      c.slots = std::min(worst, c.groups + worst / 8);
    } else {
      c.rows = (skip_gram() ? n * (w + 1) : n) * 5 / 4 + 4096;  // expected pairs + 25%
      c.slots = c.groups + c.rows / 64;
    }
    if (plan_.deterministic) c.entries = (skip_gram() ? c.rows : c.rows * 2 * w) + n + c.slots * K;
    return c;
  }

  static size_t scratch_bytes(const Capacity& c, size_t d, size_t K) {
    const size_t f = sizeof(float), u = sizeof(uint32_t), q = sizeof(uint64_t), p = sizeof(float*);
    return c.tokens * u * 9 + c.tokens * q + c.tokens * (d + 1) * f +  // per token / kept word
           c.groups * (q + 4 * u) + c.groups * K * (u + d * f) +   // per group
           c.rows * (2 * u + 3 * f) + c.rows * (d + K) * f +      // per row
           c.slots * (u + 4 * p) + c.slots * K * (d + 1) * f +    // per slot
           c.entries * (4 * q + u) + 3 * c.tokens * u +           // entries and their sort, staging
           (size_t(64) << 20);                                    // Thrust's other temporaries
  }

  std::string out_of_memory_message(size_t needed, size_t free) const {
    auto gib = [](size_t b) { return std::to_string(static_cast<double>(b) / (1u << 30)).substr(0, 5); };
    std::string msg = std::string(kPipelineName) + " backend: out of memory: needs " + gib(needed) +
                      " GiB (matrices " + gib(2 * size_t(rows_) * d_ * sizeof(float)) +
                      " GiB for vocab " + std::to_string(rows_) + " x dim " + std::to_string(d_) +
                      ", batch scratch for train.batch_words=" + std::to_string(plan_.batch_words) + ")";
    if (free) msg += ", " + gib(free) + " GiB free";
    return msg + "; lower train.batch_words, model.dim or vocab.max_size";
  }

  // Sizes every scratch buffer for batches of up to n positions (once per run in training).
  void reserve(size_t n) {
    if (staging_ && n <= cap_.tokens) return;
    const Capacity c = capacity_for(std::max<size_t>(n, 1));
    const size_t K = plan_.group_negatives;
    const size_t need = scratch_bytes(c, d_, K);
    if (c.rows >= kNone || c.slots >= kNone || c.entries >= kNone)
      throw UsageError(std::string(kPipelineName) + " backend: a batch of " + std::to_string(n) +
                               " positions is too large; lower train.batch_words");
    ctx_.forget_replay();  // the recorded step names the old buffers
    scratch_ = Scratch();  // free the old scratch first
    staging_.reset();
    scratch_bytes_ = 0;
    const size_t free = ctx_.free_bytes();
    if (need + need / 10 > free) throw ResourceError(out_of_memory_message(bytes_held() + need, free));
    try {
      Scratch s;
      s.sentence = Buffer<uint32_t>(c.tokens);
      s.kept_pos = Buffer<uint32_t>(c.tokens);
      s.kept_index = Buffer<uint32_t>(c.tokens);
      s.word = Buffer<uint32_t>(c.tokens);
      s.kept_sentence = Buffer<uint32_t>(c.tokens);
      s.lo = Buffer<uint32_t>(c.tokens);
      s.hi = Buffer<uint32_t>(c.tokens);
      s.count = Buffer<uint32_t>(c.tokens);
      s.pair_off = Buffer<uint32_t>(c.tokens);
      s.group = Buffer<uint32_t>(c.tokens);
      s.gid = Buffer<uint64_t>(c.tokens);
      s.g_out = Buffer<float>(c.tokens * d_);
      s.g_bias = Buffer<float>(plan_.output_bias ? c.tokens : 0);
      s.db = Buffer<float>(plan_.output_bias ? c.slots * K : 0);
      s.group_id = Buffer<uint64_t>(c.groups);
      s.group_off = Buffer<uint32_t>(c.groups);
      s.group_count = Buffer<uint32_t>(c.groups);
      s.slot_off = Buffer<uint32_t>(c.groups);
      s.neg = Buffer<uint32_t>(c.groups * K);
      s.Vn = Buffer<float>(c.groups * K * d_);
      s.row_center = Buffer<uint32_t>(c.rows);
      s.row_context = Buffer<uint32_t>(c.rows);
      s.s_pos = Buffer<float>(c.rows);
      s.e_pos = Buffer<float>(c.rows);
      s.loss = Buffer<float>(c.rows);
      s.U = Buffer<float>(c.rows * d_);
      s.SE = Buffer<float>(c.rows * K);
      s.slot_group = Buffer<uint32_t>(c.slots);
      s.u_ptr = Buffer<float*>(c.slots);
      s.vn_ptr = Buffer<float*>(c.slots);
      s.se_ptr = Buffer<float*>(c.slots);
      s.dvn_ptr = Buffer<float*>(c.slots);
      s.dVn = Buffer<float>(c.slots * K * d_);
      s.key = Buffer<uint64_t>(c.entries);
      s.src = Buffer<uint64_t>(c.entries);
      s.seg_start = Buffer<uint32_t>(c.entries ? c.entries + 1 : 0);
      staging_ = std::make_unique<Staging>(ctx_, c.tokens);
      scratch_ = std::move(s);
    } catch (const DeviceOutOfMemory&) {
      scratch_ = Scratch();
      staging_.reset();
      throw ResourceError(out_of_memory_message(bytes_held() + need, ctx_.free_bytes()));
    }
    cap_ = c;
    scratch_bytes_ = need;
  }

  template <class T>
  T read(const T* device_ptr) {
    T v;
    ctx_.to_host(&v, device_ptr, sizeof(T));
    return v;
  }

  // In-vocab words of a batch of host tokens.
  static uint64_t words_in(const uint32_t* t, size_t n) {
    return n - static_cast<size_t>(std::count(t, t + n, kSentenceBreak));
  }

  // The device's counts, the loss and pairs summed since the last call (one wait); those two
  // start again from zero.
  StepCounts take_totals() {
    StepCounts c = read(counts_.data());
    StepCounts reset = c;
    reset.loss = 0;
    reset.pair_sum = 0;
    ctx_.to_device(counts_.data(), &reset, sizeof(StepCounts));
    return c;
  }
  void report_totals(TrainControl& control) {
    const StepCounts c = take_totals();
    control.report(0, c.loss, c.pair_sum);
  }

  // run(), with memory running out mid-step (Thrust's temporaries) reported like at reserve().
  pipeline::StepStats run_checked(const uint32_t* tokens, size_t n, uint64_t words, uint64_t base, uint32_t epoch,
                                  float lr, pipeline::StepTrace* trace, bool read_counts) {
    try {
      return run(tokens, n, words, base, epoch, lr, trace, read_counts);
    } catch (const DeviceOutOfMemory& e) {
      throw ResourceError(out_of_memory_message(bytes_held() + e.bytes, ctx_.free_bytes()) + " (" +
                               e.what() + ")");
    }
  }

  // The step on tokens already on the device.
  // `words`: the batch's in-vocab words (the host counts them). With read_counts (or a trace)
  // the stats are complete; without, the fused step leaves its loss and pairs on the device.
  pipeline::StepStats run(const uint32_t* tokens, size_t n, uint64_t words, uint64_t base, uint32_t epoch,
                          float lr, pipeline::StepTrace* trace, bool read_counts) {
    pipeline::StepStats st;
    st.words = words;
    if (trace) *trace = pipeline::StepTrace();
    if (n == 0) return st;
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    const uint32_t d = d_, K = plan_.group_negatives;
    const bool cbow = !skip_gram();
    const LossWeights weights = plan_.weights(lr);
    StepInputs in;
    in.tokens = tokens;
    in.base = base;
    in.n = static_cast<uint32_t>(n);
    in.epoch = epoch;
    in.weights = weights;
    thrust::fill_n(pol, inputs_.data(), 1, in);
    ctx_.check("step inputs");
    // The fused step reads everything that changes from the inputs and the counts, so one
    // recording of it (a CUDA graph on the GPU) replays for every batch.
    if (plan_.fused && !trace && !read_counts) {
      ctx_.replay([this] {
        prepare_groups();
        fused_step();
      });
      return st;
    }
    prepare_groups();

    // The GEMM step (and a traced or counted step) reads the counts: one wait.
    const StepCounts c = read(counts_.data());
    const uint32_t m = c.m, groups = c.groups;
    const uint64_t pairs = c.pairs;
    st.kept = m;
    st.groups = groups;
    st.pairs = pairs;
    if (trace) {
      trace->kept = positions(s.kept_pos.data(), m, base);
      trace->groups.resize(groups);
      ctx_.to_host(trace->groups.data(), s.group_id.data(), groups * sizeof(uint64_t));
      trace->negatives.resize(size_t(groups) * K);
      ctx_.to_host(trace->negatives.data(), s.neg.data(), size_t(groups) * K * sizeof(uint32_t));
      record_pairs(*trace, m);
    }
    if (plan_.fused) {
      fused_step();
      st.loss = take_totals().loss;
      return st;
    }
    if (pairs == 0) return st;

    // 4. Slots: choose R, lay the pairs out.
    const SlotCounts slot_counts = thrust::transform_reduce(pol, s.group_count.data(), s.group_count.data() + groups,
                                                       ToSlotCounts{}, SlotCounts{}, AddSlotCounts{});
    ctx_.check("slot counts");
    const int choice = choose_rows(slot_counts, pairs);
    if (choice < 0) {
      st.overflow = true;
      return st;
    }
    const uint32_t R = 1u << choice;
    const uint32_t slots = static_cast<uint32_t>(slot_counts.s[choice]);
    const uint32_t rows = slots * R;
    st.slot_rows = R;
    st.slots = slots;
    auto slots_of = thrust::make_transform_iterator(s.group_count.data(), SlotsOfGroup{R});
    thrust::exclusive_scan(pol, slots_of, slots_of + groups, s.slot_off.data(), 0u);
    thrust::for_each_n(pol, Index(0), slots,
                       SlotInfo{s.slot_off.data(), groups, R, K, d, s.U.data(), s.Vn.data(), s.SE.data(),
                                s.dVn.data(), s.slot_group.data(), s.u_ptr.data(), s.vn_ptr.data(),
                                s.se_ptr.data(), s.dvn_ptr.data()});
    thrust::fill_n(pol, s.row_center.data(), rows, kNone);
    thrust::for_each_n(pol, Index(0), m,
                       Expand{s.lo.data(), s.hi.data(), s.count.data(), s.group.data(), s.slot_off.data(),
                              s.pair_off.data(), s.group_off.data(), R, cbow, s.row_center.data(),
                              s.row_context.data()});
    ctx_.check("pair expansion");

    // 5. Gathers.
    for_each_element(pol, rows, d,
                     GatherInputs{w_in_.data(), s.word.data(), s.lo.data(), s.hi.data(), s.row_center.data(),
                                  s.row_context.data(), d, cbow, s.U.data()});
    for_each_element(pol, size_t(groups) * K, d,
                     GatherRows{w_out_.data(), s.neg.data(), d, s.Vn.data()});
    ctx_.check("gathers");

    // 6. Scores, coefficients, gradients.
    thrust::for_each_n(pol, Index(0), rows,
                       PositiveScores{s.U.data(), w_out_.data(), bias(), s.word.data(), s.row_center.data(), d,
                                      s.s_pos.data()});
    ctx_.check("positive scores");
    ctx_.gemm_batched(Op::kN, Op::kT, R, K, d, s.u_ptr.data(), d, s.vn_ptr.data(), d, 0.0f, s.se_ptr.data(), K,
                      slots);  // S_s = U_s Vn_g^T
    thrust::for_each_n(pol, Index(0), rows,
                       RowCoefs{s.word.data(), s.row_center.data(), s.slot_group.data(), s.neg.data(),
                                s.s_pos.data(), bias(), log_q_.data(), R, K, weights, s.SE.data(), s.e_pos.data(),
                                s.loss.data()});
    ctx_.check("coefficients");
    ctx_.gemm_batched(Op::kT, Op::kN, K, d, R, s.se_ptr.data(), K, s.u_ptr.data(), d, 0.0f, s.dvn_ptr.data(), d,
                      slots);  // dVn_s = E_s^T U_s
    for_each_element(pol, m, d,
                     CenterGradients{s.U.data(), s.e_pos.data(), s.count.data(), s.group.data(),
                                     s.slot_off.data(), s.pair_off.data(), s.group_off.data(), R, d, cbow,
                                     s.g_out.data(), bias() ? s.g_bias.data() : nullptr});
    if (bias())
      thrust::for_each_n(pol, BigIndex(0), size_t(slots) * K, SampleBiasGradients{s.SE.data(), R, K, s.db.data()});
    ctx_.check("center gradients");
    ctx_.gemm_batched(Op::kN, Op::kN, R, d, K, s.se_ptr.data(), K, s.vn_ptr.data(), d, 0.0f, s.u_ptr.data(), d,
                      slots);  // dU_s = E_s Vn_g, over U
    for_each_element(pol, rows, d,
                     AddPositiveInput{w_out_.data(), s.word.data(), s.row_center.data(), s.e_pos.data(), d,
                                      s.U.data()});
    ctx_.check("input gradients");

    // 7. Loss, then the scatter (W_out is read above, so it is written only now).
    st.loss = thrust::reduce(pol, s.loss.data(), s.loss.data() + rows, 0.0, thrust::plus<double>());
    ctx_.check("loss");
    if (plan_.row_update_cap > 0) count_updates(rows, m, slots, R, false);
    if (plan_.deterministic) scatter_sorted(rows, m, slots);
    else scatter_atomic(rows, m, slots);
    if (plan_.row_update_cap > 0) count_updates(rows, m, slots, R, true);
    return st;
  }

  // The R (as log2) minimizing rows moved plus per-slot work within capacity; -1: none fits.
  int choose_rows(const SlotCounts& counts, uint64_t pairs) const {
    const double K = plan_.group_negatives;
    int best = -1;
    double best_cost = 0;
    for (int i = 0; i < kRowChoices; ++i) {
      const uint64_t slots = counts.s[i], rows = slots << i;
      if (rows > cap_.rows || slots > cap_.slots) continue;
      if (plan_.deterministic && (input_entries(rows) + cap_.tokens + slots * plan_.group_negatives > cap_.entries))
        continue;
      // Each row is written and read about twice at width d; each slot moves K rows of dVn and
      // costs a small GEMM launch share (~8 rows' worth).
      const double cost = 2.0 * static_cast<double>(rows) + static_cast<double>(slots) * (2.0 * K + 8.0);
      if (best < 0 || cost < best_cost) {
        best = i;
        best_cost = cost;
      }
      if (rows >= 2 * pairs + (uint64_t(1) << i)) break;  // larger R only pads more
    }
    return best;
  }
  size_t input_entries(uint64_t rows) const { return skip_gram() ? rows : rows * 2 * plan_.window; }

  // How many pair-updates each row sums in this step (section 7 of pipeline_steps.inl); with
  // reset, after the scatter, those rows' counts back to zero.
  void count_updates(uint32_t rows, uint32_t m, uint32_t slots, uint32_t R, bool reset) {
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    const uint32_t K = plan_.group_negatives;
    thrust::for_each_n(pol, Index(0), rows,
                       CountInputs{s.word.data(), s.lo.data(), s.hi.data(), s.row_center.data(), s.row_context.data(),
                                   !skip_gram(), count_in_.data(), reset});
    thrust::for_each_n(pol, Index(0), m,
                       CountCenters{s.word.data(), s.count.data(), static_cast<float>(K), count_out_.data(), reset});
    thrust::for_each_n(pol, BigIndex(0), size_t(slots) * K,
                       CountNegatives{s.slot_group.data(), s.slot_off.data(), s.group_count.data(), s.neg.data(), K,
                                      R, static_cast<float>(plan_.negative), count_out_.data(), reset});
    ctx_.check(reset ? "update counts reset" : "update counts");
  }

  void scatter_atomic(uint32_t rows, uint32_t m, uint32_t slots) {
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    const uint32_t d = d_, K = plan_.group_negatives;
    const float cap = plan_.row_update_cap, cap_out = cap * static_cast<float>(K);  // out counts: 1/K units
    for_each_element(pol, rows, d,
                     ScatterInputs{s.U.data(), s.word.data(), s.lo.data(), s.hi.data(), s.row_center.data(),
                                   s.row_context.data(), d, !skip_gram(), count_in_.data(), cap, w_in_.data()});
    for_each_element(pol, m, d,
                     ScatterCenters{s.g_out.data(), s.g_bias.data(), s.word.data(), s.count.data(), d,
                                    count_out_.data(), cap_out, w_out_.data(), bias()});
    for_each_element(pol, size_t(slots) * K, d,
                     ScatterNegatives{s.dVn.data(), s.db.data(), s.slot_group.data(), s.neg.data(), K, d,
                                      count_out_.data(), cap_out, w_out_.data(), bias()});
    ctx_.check("scatter");
  }

  void scatter_sorted(uint32_t rows, uint32_t m, uint32_t slots) {
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    const uint32_t d = d_, K = plan_.group_negatives;
    const uint32_t per_row = skip_gram() ? 1u : 2 * plan_.window;
    const size_t e_in = size_t(rows) * per_row, e_center = m, e_neg = size_t(slots) * K;
    const size_t entries = e_in + e_center + e_neg;
    uint64_t* key = s.key.data();
    uint64_t* src = s.src.data();
    thrust::for_each_n(pol, BigIndex(0), e_in,
                       InputEntries{s.word.data(), s.lo.data(), s.hi.data(), s.row_center.data(),
                                    s.row_context.data(), per_row, !skip_gram(), key, src});
    thrust::for_each_n(pol, Index(0), m, CenterEntries{s.word.data(), s.count.data(), key + e_in, src + e_in});
    thrust::for_each_n(pol, BigIndex(0), e_neg,
                       NegativeEntries{s.slot_group.data(), s.neg.data(), K, key + e_in + e_center,
                                       src + e_in + e_center});
    ctx_.check("scatter entries");
    thrust::stable_sort_by_key(pol, key, key + entries, src);
    ctx_.check("scatter sort");
    const uint32_t* seg_end = thrust::copy_if(pol, Index(0), Index(static_cast<uint32_t>(entries)),
                                              s.seg_start.data(), SegmentHead{key});
    const uint32_t segments = static_cast<uint32_t>(seg_end - s.seg_start.data());
    if (segments == 0) return;
    const uint32_t real_end =
        static_cast<uint32_t>(thrust::lower_bound(pol, key, key + entries, kNoKey) - key);
    thrust::fill_n(pol, s.seg_start.data() + segments, 1, real_end);
    for_each_element(pol, segments, d,
                     SegmentSums{key, src, s.seg_start.data(), s.U.data(), s.g_out.data(), s.dVn.data(),
                                 s.g_bias.data(), s.db.data(), d, count_in_.data(), count_out_.data(),
                                 plan_.row_update_cap, plan_.row_update_cap * static_cast<float>(K), w_in_.data(),
                                 w_out_.data(), bias()});
    ctx_.check("scatter sums");
  }

  std::vector<uint64_t> positions(const uint32_t* dev_index, uint32_t count, uint64_t base) {
    std::vector<uint32_t> idx(count);
    if (count) ctx_.to_host(idx.data(), dev_index, count * sizeof(uint32_t));
    std::vector<uint64_t> pos(count);
    for (uint32_t i = 0; i < count; ++i) pos[i] = base + idx[i];
    return pos;
  }

  // The (center, context) pairs in the order both steps take them: centers in order, each
  // center's contexts left to right (CBOW: one pair per context of a center that has any).
  void record_pairs(pipeline::StepTrace& trace, uint32_t m) {
    Scratch& s = scratch_;
    std::vector<uint32_t> lo(m), hi(m);
    ctx_.to_host(lo.data(), s.lo.data(), m * sizeof(uint32_t));
    ctx_.to_host(hi.data(), s.hi.data(), m * sizeof(uint32_t));
    const std::vector<uint64_t>& kept = trace.kept;
    for (uint32_t k = 0; k < m; ++k)
      for (uint32_t c = lo[k]; c <= hi[k]; ++c) {
        if (c == k) continue;
        trace.pair_center.push_back(kept[k]);
        trace.pair_context.push_back(kept[c]);
      }
  }

  // Steps 1-3 of the batch in inputs_: kept words, windows and pair counts, groups and their
  // negatives. The sizes stay on the device (StepCounts); launches take the host's bound on
  // each, so nothing here waits for the device or reads the host's view of the step.
  void prepare_groups() {
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    const StepInputs* in = inputs_.data();
    StepCounts* counts = counts_.data();
    const uint32_t K = plan_.group_negatives;
    const uint32_t nb = static_cast<uint32_t>(ctx_.bound(&in->n, cap_.tokens));

    // 1. Sentences and kept words.
    thrust::transform_exclusive_scan(pol, Index(0), Index(nb), s.sentence.data(), IsBreak{in}, 0u,
                                     thrust::plus<uint32_t>());
    ctx_.check("sentence scan");
    const KeepTest keep{in, keep_.data(), plan_.seed};
    thrust::transform_exclusive_scan(pol, Index(0), Index(nb), s.kept_index.data(), KeepFlag{keep}, 0u,
                                     thrust::plus<uint32_t>());
    thrust::for_each_n(pol, Index(0), nb, CompactKept{keep, s.kept_index.data(), s.kept_pos.data(), counts});
    ctx_.check("keep compaction");
    const uint32_t mb = static_cast<uint32_t>(ctx_.bound(&counts->m, nb));
    thrust::for_each_n(pol, Index(0), mb,
                       KeptInfo{counts, in, s.sentence.data(), s.kept_pos.data(), s.word.data(),
                                s.kept_sentence.data()});
    ctx_.check("kept words");

    // 2. Windows, pair counts and offsets.
    thrust::for_each_n(pol, Index(0), mb,
                       Windows{counts, in, s.kept_pos.data(), s.kept_sentence.data(), plan_.seed, plan_.window,
                               plan_.group_size, !skip_gram(), s.lo.data(), s.hi.data(), s.count.data(),
                               s.gid.data()});
    ctx_.check("windows");
    thrust::exclusive_scan(pol, s.count.data(), s.count.data() + mb, s.pair_off.data(), 0u);
    ctx_.check("pair scan");

    // 3. Groups (numbered by their first kept center) and their negatives.
    thrust::transform_exclusive_scan(pol, Index(0), Index(mb), s.group.data(), NextStartsGroup{counts, s.gid.data()},
                                     0u, thrust::plus<uint32_t>());
    thrust::for_each_n(pol, Index(0), 1, CountTotals{s.pair_off.data(), s.count.data(), s.group.data(), counts});
    ctx_.check("group scan");
    const uint32_t gb = static_cast<uint32_t>(ctx_.bound(&counts->groups, cap_.groups));
    thrust::for_each_n(pol, Index(0), mb,
                       GroupStarts{counts, s.gid.data(), s.group.data(), s.pair_off.data(), s.group_id.data(),
                                   s.group_off.data()});
    thrust::for_each_n(pol, Index(0), gb, GroupCounts{counts, s.group_off.data(), s.group_count.data()});
    const AliasView noise{noise_prob_.data(), noise_alias_.data(), rows_};
    thrust::for_each_n(pol, Index(0), gb * K,
                       DrawNegatives{counts, in, noise, s.group_id.data(), plan_.seed, K, s.neg.data()});
    ctx_.check("negatives");
  }

  // ---- the fused step (fused_step.inl) ----

  // Accumulators and touched lists of the fused step, and the tile's shape.
  struct FusedState {
    Buffer<float> grad_in, grad_out, grad_bias;  // (vocab, d), (vocab, d), (vocab) with biases
    Buffer<uint32_t> touched_in, touched_out;    // (vocab) rows with a count this step
    Buffer<uint32_t> touched;                    // (2) the lists' sizes
    uint32_t P = 0;                              // pairs per chunk
    size_t tile_bytes = 0;
    size_t bytes() const {
      return grad_in.bytes() + grad_out.bytes() + grad_bias.bytes() + touched_in.bytes() + touched_out.bytes() +
             touched.bytes();
    }
  };

  void start_fused() {
    if (plan_.deterministic)
      throw UsageError("GEMM pipeline: the fused step is not deterministic (the config refuses "
                       "train.step: fused with train.deterministic)");
    const uint32_t K = plan_.group_negatives;
    const size_t limit = ctx_.tile_bytes_limit();
    // Chunks of up to 32 pairs, fewer where the tile would pass 96 KiB: two tiles still share
    // a GPU multiprocessor (228 KiB on Hopper) while most groups take one chunk (~27 pairs).
    const size_t soft = std::min<size_t>(limit, size_t(96) << 10);
    uint32_t P = 32;
    while (P > 1 && tile_floats(K, P, d_) * sizeof(float) > soft) P /= 2;
    const size_t bytes = tile_floats(K, P, d_) * sizeof(float);
    if (bytes > limit)
      throw UsageError("train.step: fused: a tile of " + std::to_string(K) + " negatives at dim " + std::to_string(d_) +
                       " needs " + std::to_string(bytes / 1024) + " KiB of shared memory, over the " +
                       std::to_string(limit / 1024) + " KiB a block may take; lower train.group_negatives or "
                       "use train.step: gemm");
    const size_t matrix = static_cast<size_t>(rows_) * d_;
    FusedState f;
    try {
      f.grad_in = Buffer<float>(matrix);
      f.grad_out = Buffer<float>(matrix);
      f.grad_bias = Buffer<float>(plan_.output_bias ? rows_ : 0);
      f.touched_in = Buffer<uint32_t>(rows_);
      f.touched_out = Buffer<uint32_t>(rows_);
      f.touched = Buffer<uint32_t>(2);
    } catch (const DeviceOutOfMemory&) {
      throw ResourceError(out_of_memory_message(4 * matrix * sizeof(float), 0));
    }
    f.P = P;
    f.tile_bytes = bytes;
    auto pol = ctx_.policy();
    thrust::fill_n(pol, f.grad_in.data(), matrix, 0.0f);
    thrust::fill_n(pol, f.grad_out.data(), matrix, 0.0f);
    if (plan_.output_bias) thrust::fill_n(pol, f.grad_bias.data(), rows_, 0.0f);
    ctx_.check("fused step buffers");
    ctx_.sync();
    fused_ = std::move(f);
  }

  // Steps 4-7 as group tiles: scores, coefficients and gradients per tile, then each touched
  // row's sum applied once. The loss and pairs stay on the device until take_totals().
  void fused_step() {
    auto pol = ctx_.policy();
    Scratch& s = scratch_;
    FusedState& f = fused_;
    const uint32_t d = d_, K = plan_.group_negatives;
    const uint32_t groups = static_cast<uint32_t>(ctx_.bound(&counts_.data()->groups, cap_.groups));
    thrust::fill_n(pol, f.touched.data(), 2, 0u);
    const FusedTiles tiles{w_in_.data(), w_out_.data(), bias(), log_q_.data(), s.word.data(), s.lo.data(),
                           s.hi.data(), s.pair_off.data(), s.group_off.data(), s.group_count.data(), s.neg.data(),
                           counts_.data(), inputs_.data(), d, K, f.P, plan_.window, !skip_gram(), plan_.loss, static_cast<float>(K),
                           static_cast<float>(plan_.negative), f.grad_in.data(), f.grad_out.data(),
                           bias() ? f.grad_bias.data() : nullptr, count_in_.data(), count_out_.data(),
                           f.touched_in.data(), f.touched_out.data(), f.touched.data()};
    ctx_.run_tiles(tiles, groups, f.tile_bytes);
    ctx_.check("fused tiles");
    // Bounds on the lists: inputs are kept words; outputs are centers and the groups' negatives.
    const size_t most_in = std::min<size_t>(rows_, cap_.tokens);
    const size_t most_out = std::min<size_t>(rows_, cap_.tokens + cap_.groups * K);
    const float cap = plan_.row_update_cap;
    const size_t n_in = ctx_.bound(f.touched.data(), most_in);
    const size_t n_out = ctx_.bound(f.touched.data() + 1, most_out);
    for_each_element(pol, n_in, d,
                     ApplyRows{f.touched_in.data(), f.touched.data(), d, count_in_.data(), cap, f.grad_in.data(),
                               w_in_.data(), nullptr, nullptr});
    for_each_element(pol, n_out, d,
                     ApplyRows{f.touched_out.data(), f.touched.data() + 1, d, count_out_.data(), cap * static_cast<float>(K),
                               f.grad_out.data(), w_out_.data(), bias() ? f.grad_bias.data() : nullptr, bias()});
    thrust::for_each_n(pol, Index(0), n_in, ResetCounts{f.touched_in.data(), f.touched.data(), count_in_.data()});
    thrust::for_each_n(pol, Index(0), n_out, ResetCounts{f.touched_out.data(), f.touched.data() + 1, count_out_.data()});
    ctx_.check("fused apply");
  }

  void train_split(const uint32_t* t, size_t begin, size_t end, uint32_t epoch, TrainControl& control) {
    const size_t mid = pipeline::split_point(t, begin, end);
    if (mid == end)
      throw UsageError(std::string(kPipelineName) + " backend: the sentence at position " +
                               std::to_string(begin) + " (" + std::to_string(end - begin) +
                               " positions) does not fit the batch buffers; raise train.batch_words");
    for (const auto& [b, e] : {std::pair<size_t, size_t>{begin, mid}, std::pair<size_t, size_t>{mid, end}}) {
      const pipeline::StepStats st = run_checked(staging_->put_sync(t + b, e - b), e - b, words_in(t + b, e - b), b,
                                                 epoch, control.lr(), nullptr, false);
      if (st.overflow) {
        train_split(t, b, e, epoch, control);
        continue;
      }
      control.report(st.words, st.loss, st.pairs);
    }
  }

  struct Scratch {
    Buffer<uint32_t> sentence;       // (tokens) sentence breaks before each position
    Buffer<uint32_t> kept_index;     // (tokens) kept words before each position
    Buffer<uint32_t> kept_pos;       // (kept) batch index of each kept word
    Buffer<uint32_t> word;           // (kept) word id
    Buffer<uint32_t> kept_sentence;  // (kept)
    Buffer<uint32_t> lo, hi;         // (kept) context range, kept indices
    Buffer<uint32_t> count;          // (kept) pairs of each center
    Buffer<uint32_t> pair_off;       // (kept) first pair of each center
    Buffer<uint32_t> group;          // (kept) group index of each center
    Buffer<uint64_t> gid;            // (kept) global group id
    Buffer<float> g_out;             // (kept, d) dv_o per center
    Buffer<float> g_bias;            // (kept) db_o per center, with output biases
    Buffer<float> db;                // (slots, K) bias gradients of the samples, with output biases
    Buffer<uint64_t> group_id;       // (groups)
    Buffer<uint32_t> group_off;      // (groups) first pair
    Buffer<uint32_t> group_count;    // (groups) pairs
    Buffer<uint32_t> slot_off;       // (groups) first slot
    Buffer<uint32_t> neg;            // (groups, K)
    Buffer<float> Vn;                // (groups, K, d)
    Buffer<uint32_t> row_center;     // (rows) kept index of the center; kNone: padding
    Buffer<uint32_t> row_context;    // (rows) kept index of the context (skip-gram)
    Buffer<float> s_pos, e_pos;      // (rows) positive score and coefficient
    Buffer<float> loss;              // (rows)
    Buffer<float> U;                 // (rows, d) inputs, then dU
    Buffer<float> SE;                // (rows, K) negative scores, then coefficients E
    Buffer<uint32_t> slot_group;     // (slots)
    Buffer<float*> u_ptr, vn_ptr, se_ptr, dvn_ptr;  // (slots) GEMM operands
    Buffer<float> dVn;               // (slots, K, d)
    Buffer<uint64_t> key, src;       // (entries) deterministic scatter
    Buffer<uint32_t> seg_start;      // (entries + 1)
  };

  TrainPlan plan_;
  Context ctx_;
  uint32_t rows_, d_;
  Buffer<float> w_in_, w_out_;      // (vocab, d)
  Buffer<float> keep_;              // (vocab)
  Buffer<float> noise_prob_;        // (vocab)
  Buffer<uint32_t> noise_alias_;    // (vocab)
  Buffer<float> count_in_, count_out_;  // (vocab) pair-updates each row sums in a step, for the cap
  Buffer<float> b_out_;             // (vocab) output biases, or empty
  Buffer<float> log_q_;             // (vocab) log Q for nce and softmax, or empty
  Scratch scratch_;
  Buffer<StepCounts> counts_;       // (1) steps 1-3's counts, the fused step's loss
  Buffer<StepInputs> inputs_;       // (1) the step's batch, position, epoch and weights
  FusedState fused_;                // with train.step: fused
  std::unique_ptr<Staging> staging_;
  Capacity cap_;
  size_t scratch_bytes_ = 0;
  bool resident_ = true;            // the epoch's tokens on the device where they fit
  std::vector<size_t> cuts_;
  const uint32_t* cut_tokens_ = nullptr;
  size_t cut_size_ = 0;
};

}  // namespace gemmvec::GV_PIPELINE_NS
