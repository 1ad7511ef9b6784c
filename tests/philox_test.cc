// gemmvec tests: the Philox4x32-10 twin against Random123's published known answers, and bit for
// bit against cuRAND itself: its device API (curand_init/curand from curand_kernel.h, compiled
// here for the host) and its host generator (libcurand, no GPU needed).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "math/philox.h"

#if defined(GEMMVEC_HAVE_CURAND)
#include <curand.h>
// curand_kernel.h's functions are __device__ by default; as plain inline functions the very
// same code runs here.
#define QUALIFIERS static inline
#include <curand_kernel.h>
#endif

namespace gemmvec {
namespace {

struct Kat {
  Philox4 ctr;
  uint32_t k0, k1;
  Philox4 want;
};

// Random123 1.09, kat_vectors: philox4x32 10 rounds.
TEST(Philox, KnownAnswers) {
  const Kat kats[] = {
      {{0, 0, 0, 0}, 0, 0, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, 0xffffffff, 0xffffffff,
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, 0xa4093822, 0x299f31d0,
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Kat& k : kats) {
    const Philox4 r = philox4x32_10(k.ctr, k.k0, k.k1);
    EXPECT_EQ(r.x, k.want.x);
    EXPECT_EQ(r.y, k.want.y);
    EXPECT_EQ(r.z, k.want.z);
    EXPECT_EQ(r.w, k.want.w);
  }
}

TEST(Philox, CounterLayout) {
  // philox(seed, purpose, epoch, pos, index) is the block {index, epoch << 4 | purpose, pos}.
  const uint64_t seed = 0x0123456789abcdefull, pos = 0x0000001234567890ull;
  const Philox4 a = philox(seed, Purpose::kNegative, 7, pos, 3);
  const Philox4 b = philox4x32_10({3, (7u << 4) | 2u, 0x34567890u, 0x12u}, 0x89abcdefu, 0x01234567u);
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.w, b.w);
  EXPECT_NE(philox(seed, Purpose::kToken, 0, pos).x, philox(seed, Purpose::kNegative, 0, pos).x);
}

#if defined(GEMMVEC_HAVE_CURAND)

// cuRAND's device API, as the GPU calls it: curand_init(seed, subsequence = pos, offset) then
// four curand() equal philox(seed, purpose, epoch, pos, index).
TEST(Philox, MatchesCurandDeviceApi) {
  std::mt19937_64 rng(99);
  uint64_t draws = 0;
  for (int i = 0; i < 30000; ++i) {
    const uint64_t seed = i % 3 == 0 ? i : rng();
    const Purpose purpose = static_cast<Purpose>(1 + i % 3);
    const uint32_t epoch = static_cast<uint32_t>(rng() % 1000);
    const uint64_t pos = i % 2 ? rng() % 100000 : rng() >> (i % 24);  // small and up to 2^64
    const uint32_t index = i % 5 == 0 ? static_cast<uint32_t>(rng()) : static_cast<uint32_t>(i % 7);
    const uint64_t offset = 4 * ((static_cast<uint64_t>((epoch << 4) | static_cast<uint32_t>(purpose)) << 32) | index);
    curandStatePhilox4_32_10_t s;
    curand_init(seed, pos, offset, &s);
    const Philox4 want{curand(&s), curand(&s), curand(&s), curand(&s)};
    const Philox4 got = philox(seed, purpose, epoch, pos, index);
    ASSERT_EQ(got.x, want.x) << "seed " << seed << " pos " << pos << " offset " << offset;
    ASSERT_EQ(got.y, want.y);
    ASSERT_EQ(got.z, want.z);
    ASSERT_EQ(got.w, want.w);
    draws += 4;
  }
  EXPECT_GE(draws, 100000u);
}

// cuRAND's host generator (PHILOX4_32_10, default = legacy ordering): output word j of the
// stream after `offset` is component J % 4 of the block of subsequence (J / 4) % 65536 and
// counter (J / 4) / 65536, J = j + offset. Established against curand_init/curand above.
TEST(Philox, MatchesCurandHostGenerator) {
  const uint64_t seeds[] = {0, 1, 0x123456789abcull, 0xfedcba9876543210ull};
  const uint64_t offsets[] = {0, 5, (uint64_t(1) << 20) + 3, (uint64_t(1) << 40) + 7, (uint64_t(1) << 50) + 1};
  const size_t n = 1 << 18;  // crosses the 65536-subsequence wrap four times
  std::vector<uint32_t> out(n);
  uint64_t compared = 0;
  for (uint64_t seed : seeds)
    for (uint64_t offset : offsets) {
      curandGenerator_t gen;
      ASSERT_EQ(curandCreateGeneratorHost(&gen, CURAND_RNG_PSEUDO_PHILOX4_32_10), CURAND_STATUS_SUCCESS);
      ASSERT_EQ(curandSetPseudoRandomGeneratorSeed(gen, seed), CURAND_STATUS_SUCCESS);
      ASSERT_EQ(curandSetGeneratorOffset(gen, offset), CURAND_STATUS_SUCCESS);
      ASSERT_EQ(curandGenerate(gen, out.data(), n), CURAND_STATUS_SUCCESS);
      curandDestroyGenerator(gen);
      for (size_t j = 0; j < n; ++j) {
        const uint64_t J = j + offset, block = J / 4;
        const uint64_t sub = block % 65536, ctr = block / 65536;
        const Philox4 r = philox4x32_10({static_cast<uint32_t>(ctr), static_cast<uint32_t>(ctr >> 32),
                                         static_cast<uint32_t>(sub), 0},
                                        static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
        const uint32_t want[4] = {r.x, r.y, r.z, r.w};
        ASSERT_EQ(out[j], want[J % 4]) << "seed " << seed << " offset " << offset << " output " << j;
        ++compared;
      }
    }
  EXPECT_GE(compared, 100000u);
}

#else

TEST(Philox, MatchesCurandDeviceApi) {
  GTEST_SKIP() << "built without the CUDA toolkit: no cuRAND to compare with";
}
TEST(Philox, MatchesCurandHostGenerator) {
  GTEST_SKIP() << "built without the CUDA toolkit: no cuRAND to compare with";
}

#endif

}  // namespace
}  // namespace gemmvec
