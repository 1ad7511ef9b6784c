// gemmvec: checkpoints: a little-endian binary file (magic, version, fields, matrices) ending
// in a CRC-32 of everything before it.
#include "gemmvec/checkpoint.h"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <type_traits>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "gemmvec/config.h"

namespace gemmvec {
namespace {

constexpr char kMagic[8] = {'G', 'V', 'C', 'K', 'P', 'T', '\r', '\n'};
constexpr uint32_t kVersion = 3;  // 2: the vocabulary hash; 3: output biases
constexpr uint64_t kMaxShards = 1u << 16;

// Writes fields and keeps the CRC of everything written.
class CkptWriter {
 public:
  explicit CkptWriter(const std::string& path) : out_(path) {}
  void bytes(const void* p, size_t n) {
    out_.write(p, n);
    for (size_t done = 0; done < n;) {  // zlib takes 32-bit lengths
      const uInt chunk = static_cast<uInt>(std::min<size_t>(n - done, 1u << 30));
      crc_ = crc32(crc_, static_cast<const Bytef*>(p) + done, chunk);
      done += chunk;
    }
  }
  template <class T>
  void pod(T v) {
    static_assert(std::is_arithmetic_v<T>);
    bytes(&v, sizeof v);
  }
  void text(const std::string& s) {
    pod<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void finish() {
    const uint32_t crc = static_cast<uint32_t>(crc_);
    out_.write(&crc, sizeof crc);
    out_.commit();
  }

 private:
  AtomicWriter out_;
  uLong crc_ = crc32(0, nullptr, 0);
};

// Reads fields, checking each against what is left of the file, and keeps the CRC.
class CkptReader {
 public:
  explicit CkptReader(const std::string& path) : path_(path) {
    file_.reset(std::fopen(path.c_str(), "rb"));
    if (!file_) {
      const int err = errno;
      throw InputError(fmt::format("{}: cannot open the checkpoint: {} (check the --resume path)", path,
                                   std::strerror(err)));
    }
    if (std::fseek(file_.get(), 0, SEEK_END) != 0 || (left_ = std::ftell(file_.get())) < 0 ||
        std::fseek(file_.get(), 0, SEEK_SET) != 0)
      throw InputError(fmt::format("{}: cannot read the checkpoint (a checkpoint is a regular file)", path));
  }
  [[noreturn]] void corrupt(const std::string& why) const {
    throw InputError(fmt::format("{}: {}; the checkpoint is unusable (resume from an earlier one or "
                                 "start the run again)", path_, why));
  }
  void bytes(void* p, size_t n) {
    if (n > static_cast<uint64_t>(left_)) corrupt("truncated");
    if (std::fread(p, 1, n, file_.get()) != n) corrupt("read failed");
    left_ -= static_cast<long>(n);
    for (size_t done = 0; done < n;) {
      const uInt chunk = static_cast<uInt>(std::min<size_t>(n - done, 1u << 30));
      crc_ = crc32(crc_, static_cast<const Bytef*>(p) + done, chunk);
      done += chunk;
    }
  }
  template <class T>
  T pod() {
    T v{};
    bytes(&v, sizeof v);
    return v;
  }
  std::string text() {
    const uint64_t n = pod<uint64_t>();
    if (n > static_cast<uint64_t>(left_)) corrupt("truncated");
    std::string s(n, '\0');
    bytes(s.data(), n);
    return s;
  }
  uint64_t left() const { return static_cast<uint64_t>(left_); }
  void finish() {
    const uint32_t expected = static_cast<uint32_t>(crc_);
    uint32_t stored = 0;
    if (std::fread(&stored, 1, sizeof stored, file_.get()) != sizeof stored) corrupt("read failed");
    if (stored != expected) corrupt("checksum mismatch (the file is corrupt)");
  }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  long left_ = 0;
  uLong crc_ = crc32(0, nullptr, 0);
};

}  // namespace

void save_checkpoint(const std::string& path, const Checkpoint& c) {
  const size_t cells = size_t{c.model.rows} * c.model.dim;
  if (c.model.in.size() != cells || c.model.out.size() != cells ||
      (!c.model.out_bias.empty() && c.model.out_bias.size() != c.model.rows))
    throw std::invalid_argument("save_checkpoint: matrices do not match rows x dim");
  CkptWriter w(path);
  w.bytes(kMagic, sizeof kMagic);
  w.pod(kVersion);
  w.text(c.config_yaml);
  w.text(c.backend);
  w.pod(c.cursor.epoch);
  w.pod<uint64_t>(c.cursor.shards.size());
  for (uint64_t s : c.cursor.shards) w.pod(s);
  w.pod(c.words_done);
  w.pod(c.loss_sum);
  w.pod(c.loss_pairs);
  w.pod(c.train_seconds);
  w.pod(c.stream_tokens);
  w.pod(c.stream_words);
  w.pod(c.vocab_hash);
  w.pod(c.model.rows);
  w.pod(c.model.dim);
  w.pod<uint32_t>(c.model.out_bias.empty() ? 0 : 1);
  w.bytes(c.model.in.data(), cells * sizeof(float));
  w.bytes(c.model.out.data(), cells * sizeof(float));
  w.bytes(c.model.out_bias.data(), c.model.out_bias.size() * sizeof(float));
  w.finish();
}

Checkpoint load_checkpoint(const std::string& path) {
  CkptReader r(path);
  char magic[sizeof kMagic];
  if (r.left() < sizeof magic) r.corrupt("not a gemmvec checkpoint (too short)");
  r.bytes(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) r.corrupt("not a gemmvec checkpoint");
  const uint32_t version = r.pod<uint32_t>();
  if (version != kVersion)
    throw InputError(fmt::format("{}: checkpoint version {} is not {} (resume it with the gemmvec that wrote it)",
                                 path, version, kVersion));
  Checkpoint c;
  c.config_yaml = r.text();
  c.backend = r.text();
  c.cursor.epoch = r.pod<uint32_t>();
  const uint64_t shards = r.pod<uint64_t>();
  if (shards > kMaxShards || shards * 8 > r.left()) r.corrupt("bad shard count");
  c.cursor.shards.resize(shards);
  for (uint64_t& s : c.cursor.shards) s = r.pod<uint64_t>();
  c.words_done = r.pod<uint64_t>();
  c.loss_sum = r.pod<double>();
  c.loss_pairs = r.pod<uint64_t>();
  c.train_seconds = r.pod<double>();
  c.stream_tokens = r.pod<uint64_t>();
  c.stream_words = r.pod<uint64_t>();
  c.vocab_hash = r.pod<uint64_t>();
  c.model.rows = r.pod<uint32_t>();
  c.model.dim = r.pod<uint32_t>();
  const uint32_t biases = r.pod<uint32_t>();
  if (biases > 1) r.corrupt("bad output-bias flag");
  const uint64_t cells = uint64_t{c.model.rows} * c.model.dim;
  const uint64_t bias_cells = biases ? c.model.rows : 0;
  // Compared in cells, not bytes: cells * 8 wraps around for rows and dim near 2^32 (a corrupt
  // header of 2^31 x 2^30 would pass a byte comparison and ask for 2^61 floats).
  const uint64_t room = r.left() >= sizeof(uint32_t) ? r.left() - sizeof(uint32_t) : 0;  // before the CRC
  const bool short_file = cells > room / (2 * sizeof(float)) || bias_cells * sizeof(float) > room - cells * 2 * sizeof(float);
  if (c.model.dim == 0 || short_file || (cells * 2 + bias_cells) * sizeof(float) != room)
    r.corrupt(short_file ? "truncated" : "matrix size does not match the file");
  c.model.in.resize(cells);
  c.model.out.resize(cells);
  c.model.out_bias.resize(bias_cells);
  r.bytes(c.model.in.data(), cells * sizeof(float));
  r.bytes(c.model.out.data(), cells * sizeof(float));
  r.bytes(c.model.out_bias.data(), bias_cells * sizeof(float));
  r.finish();
  return c;
}

}  // namespace gemmvec
