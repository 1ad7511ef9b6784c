// gemmvec fuzzing: load_checkpoint. Each input is loaded as it is, then again with its last four
// bytes replaced by the CRC-32 of the rest, so mutations get past the checksum to the fields.
// A checkpoint that loads must hold both matrices at rows x dim.
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "gemmvec/checkpoint.h"

namespace {

void load(const std::string& path) {
  gemmvec_fuzz::expect_documented_errors([&] {
    const gemmvec::Checkpoint c = gemmvec::load_checkpoint(path);
    const size_t cells = size_t{c.model.rows} * c.model.dim;
    GEMMVEC_FUZZ_CHECK(c.model.in.size() == cells && c.model.out.size() == cells);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load(gemmvec_fuzz::write_input("run.ckpt", data, size));
  if (size >= 4) {
    std::vector<uint8_t> fixed(data, data + size);
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0, nullptr, 0), fixed.data(), static_cast<uInt>(size - 4)));
    std::memcpy(fixed.data() + size - 4, &crc, 4);
    load(gemmvec_fuzz::write_input("fixed.ckpt", fixed.data(), fixed.size()));
  }
  return 0;
}
