// gemmvec: a synthetic Zipf-distributed corpus: ranks drawn by rejection-inversion from Philox, counted
// on every thread, then drawn again and written with prepare's vocab and token writer.
#include "data/zipf_corpus.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "base/stderr_lines.h"
#include "data/prepare.h"
#include "data/token_cache.h"
#include "data/token_writer.h"
#include "data/vocab.h"
#include "math/philox.h"

namespace gemmvec {
namespace {

// The corpus is cut into chunks of this many words, each drawn from its own Philox stream, so
// any thread can draw any chunk and the bytes do not depend on the thread count.
constexpr uint64_t kChunkWords = uint64_t{1} << 16;
// Chunks drawn between two writes, per thread.
constexpr uint64_t kRoundChunksPerThread = 4;
// Sentence lengths, uniform: 20 words on average, as in news and Wikipedia text.
constexpr uint32_t kMinSentence = 10, kMaxSentence = 30;

// Draws a rank r in [0, n) with P(r) ~ 1/(r+1)^s by Hörmann and Derflinger's rejection-inversion
// ("Rejection-inversion to generate variates from monotone discrete distributions", 1996; as
// Apache Commons' ZipfRejectionInversionSampler): the inverse of the integral H of the hat
// h(x) = x^-s, and an acceptance test that rarely fails. Exact, no table, a few logs and exps
// per draw: a table over 1.5M words would miss the cache on nearly every draw.
class ZipfDraw {
 public:
  ZipfDraw(uint32_t n, double s) : n_(n), s_(s) {
    h_x1_ = H(1.5) - 1;
    h_n_ = H(n + 0.5);
    shortcut_ = 2 - H_inverse(H(2.5) - h(2));
  }
  template <class Unit>  // unit(): uniform in [0, 1)
  uint32_t operator()(Unit&& unit) const {
    for (;;) {
      const double u = h_n_ + unit() * (h_x1_ - h_n_);  // uniform in (H(1.5) - 1, H(n + 0.5)]
      const double x = H_inverse(u);
      const double k = std::clamp(std::floor(x + 0.5), 1.0, static_cast<double>(n_));
      if (k - x <= shortcut_ || u >= H(k + 0.5) - h(k)) return static_cast<uint32_t>(k) - 1;
    }
  }

 private:
  // log1p(x)/x and expm1(x)/x, with their series where x is near 0.
  static double log1p_over(double x) {
    return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
  }
  static double expm1_over(double x) {
    return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
  }
  double h(double x) const { return std::exp(-s_ * std::log(x)); }
  double H(double x) const {  // (x^(1-s) - 1) / (1 - s), log(x) at s = 1
    const double log_x = std::log(x);
    return expm1_over((1 - s_) * log_x) * log_x;
  }
  double H_inverse(double x) const {
    const double t = std::max(x * (1 - s_), -1.0);  // rounding can put it below -1
    return std::exp(log1p_over(t) * x);
  }

  uint32_t n_;
  double s_, h_x1_, h_n_, shortcut_;
};

// The random words of one chunk, in order: Philox(seed, kSynthetic, 0, chunk, i), four at a time.
class ChunkWords {
 public:
  ChunkWords(uint64_t seed, uint64_t chunk) : seed_(seed), chunk_(chunk) {}
  uint32_t next() {
    if (used_ == 4) {
      const Philox4 r = philox(seed_, Purpose::kSynthetic, 0, chunk_, index_++);
      words_[0] = r.x, words_[1] = r.y, words_[2] = r.z, words_[3] = r.w;
      used_ = 0;
    }
    return words_[used_++];
  }
  double unit() {  // uniform in [0, 1), 53 bits
    const uint64_t hi = next(), lo = next();
    return static_cast<double>((hi << 21) | (lo >> 11)) * 0x1p-53;
  }

 private:
  uint64_t seed_, chunk_;
  uint32_t index_ = 0, used_ = 4;
  uint32_t words_[4] = {};
};

// Chunk `chunk`'s ranks with a kSentenceBreak after every sentence.
void draw_chunk(const ZipfDraw& zipf, const ZipfSpec& spec, uint64_t chunk, std::vector<uint32_t>& out) {
  ChunkWords rng(spec.seed, chunk);
  uint64_t left = std::min(kChunkWords, spec.tokens - chunk * kChunkWords);
  out.clear();
  while (left > 0) {
    const uint64_t length = std::min<uint64_t>(left, kMinSentence + to_range(rng.next(), kMaxSentence - kMinSentence + 1));
    for (uint64_t i = 0; i < length; ++i) out.push_back(zipf([&] { return rng.unit(); }));
    out.push_back(kSentenceBreak);
    left -= length;
  }
}

// Runs work(thread, chunk, buffer) for every chunk on `threads` threads, a round of chunks at a
// time, and emit(buffer) for each chunk in chunk order on this thread, a round's while the
// workers fill the next one's buffers.
void for_each_chunk(uint64_t chunks, uint32_t threads,
                    const std::function<void(uint32_t, uint64_t, std::vector<uint32_t>&)>& work,
                    const std::function<void(const std::vector<uint32_t>&)>& emit) {
  const uint64_t round = kRoundChunksPerThread * threads;
  std::vector<std::vector<uint32_t>> buffers(2 * round);  // chunk c's is c % (2 * round)
  for (auto& b : buffers) b.reserve(kChunkWords + kChunkWords / kMinSentence + 1);  // no allocation in the workers
  auto emit_round = [&](uint64_t first) {
    for (uint64_t c = first; c < std::min(chunks, first + round); ++c) emit(buffers[c % buffers.size()]);
  };
  for (uint64_t first = 0; first < chunks; first += round) {
    std::atomic<uint64_t> next{first};
    struct Pool {  // joined however this round ends: a failed write throws from emit
      std::vector<std::thread> threads;
      ~Pool() {
        for (std::thread& t : threads) t.join();
      }
    } pool;
    for (uint32_t t = 0; t < threads; ++t)
      pool.threads.emplace_back([&, t] {
        for (uint64_t c; (c = next++) < std::min(chunks, first + round);) work(t, c, buffers[c % buffers.size()]);
      });
    if (first > 0) emit_round(first - round);
  }
  if (chunks > 0) emit_round((chunks - 1) / round * round);
}

}  // namespace

void write_zipf_corpus(const ZipfSpec& spec, const Config& config, const std::string& prefix) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint32_t threads = spec.threads ? spec.threads : std::max(1u, std::thread::hardware_concurrency());
  const uint64_t chunks = (spec.tokens + kChunkWords - 1) / kChunkWords;
  const ZipfDraw zipf(spec.vocab, spec.exponent);

  // Pass 1: the counts of the ranks, one table per thread.
  std::vector<std::vector<uint64_t>> per_thread(threads, std::vector<uint64_t>(spec.vocab));
  for_each_chunk(chunks, threads, [&](uint32_t t, uint64_t chunk, std::vector<uint32_t>& buf) {
    draw_chunk(zipf, spec, chunk, buf);
    for (uint32_t r : buf)
      if (r != kSentenceBreak) ++per_thread[t][r];
  }, [](const std::vector<uint32_t>&) {});
  std::vector<uint64_t> counts = std::move(per_thread[0]);
  for (uint32_t t = 1; t < threads; ++t) {
    for (uint32_t r = 0; r < spec.vocab; ++r) counts[r] += per_thread[t][r];
    std::vector<uint64_t>().swap(per_thread[t]);
  }

  // The vocab prepare would count from the text: min_count, max_size, sorted by count.
  const int digits = std::max<int>(7, static_cast<int>(std::to_string(spec.vocab - 1).size()));
  auto name = [&](uint32_t r) { return fmt::format("w{:0{}d}", r, digits); };
  std::unordered_map<std::string, uint64_t> named;
  named.reserve(spec.vocab);
  for (uint32_t r = 0; r < spec.vocab; ++r)
    if (counts[r] > 0) named.emplace(name(r), counts[r]);
  const Vocab vocab = Vocab::from_counts(std::move(named), config.vocab.min_count, config.vocab.max_size);
  if (vocab.size() == 0)
    throw UsageError(fmt::format("--zipf: no word of {} is drawn {} times in {} words (more TOKENS, or lower "
                                 "vocab.min_count)", spec.vocab, config.vocab.min_count, spec.tokens));
  std::vector<uint32_t> id_of(spec.vocab, Vocab::kMissing);  // rank -> vocab id: the rank is the name's digits
  for (uint32_t id = 0; id < vocab.size(); ++id) {
    const std::string& word = vocab.word(id);
    uint32_t r = 0;
    std::from_chars(word.data() + 1, word.data() + word.size(), r);
    id_of[r] = id;
  }
  if (vocab.size() < spec.vocab)
    print_note(fmt::format("gemmvec: {} of the {} words were drawn fewer than vocab.min_count ({}) times{} and are "
                           "left out, as prepare leaves them out ({} of the {} words drawn)", spec.vocab - vocab.size(),
                           spec.vocab, config.vocab.min_count, config.vocab.max_size ? " or fall past vocab.max_size" : "",
                           spec.tokens - vocab.total(), spec.tokens));

  // Pass 2: the same draws as vocab ids, written as prepare writes them, the vocab first.
  std::error_code ec;
  const std::filesystem::path parent = std::filesystem::path(prefix).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  save_user_vocab(config, vocab);
  vocab.save(prefix + ".vocab");
  const std::string path = prefix + ".tokens";
  TmpFile tmp(path);
  TokenWriter out(tmp.take_fd(), tmp.path());
  for_each_chunk(chunks, threads, [&](uint32_t, uint64_t chunk, std::vector<uint32_t>& buf) {
    draw_chunk(zipf, spec, chunk, buf);
    size_t kept = 0, sentence = 0;  // no words outside the vocab, no empty sentences
    for (uint32_t r : buf) {
      if (r != kSentenceBreak) {
        if (id_of[r] != Vocab::kMissing) buf[kept++] = id_of[r];
      } else if (kept > sentence) {
        buf[kept++] = kSentenceBreak;
        sentence = kept;
      }
    }
    buf.resize(kept);
  }, [&](const std::vector<uint32_t>& buf) { out.push(buf.data(), buf.size()); });
  const TokenHeader h = make_token_header(out.written(), vocab.total(), spec.tokens, vocab);
  out.close(&h);
  tmp.commit();
  print_note(fmt::format("gemmvec: drew {} words over {} ranks (exponent {}, seed {}) on {} threads in {:.2f} s; "
                         "wrote {}.vocab ({} words) and {}.tokens",
                         spec.tokens, spec.vocab, spec.exponent, spec.seed, threads,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), prefix,
                         vocab.size(), prefix));
}

}  // namespace gemmvec
