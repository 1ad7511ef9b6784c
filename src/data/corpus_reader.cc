// gemmvec: streaming reader of text corpora (plain, .gz, .xz, detected by magic bytes) into
// sentences of whitespace-separated tokens, in bounded memory whatever the line length.
#include "data/corpus_reader.h"

#include <fcntl.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "gemmvec/config.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;  // decoded bytes handed to the tokenizer at once

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError(path + ": " + what);
}

// A file descriptor that closes itself.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Opens a corpus file for reading, with one-line errors that say what to do.
int open_input(const std::string& path) {
  int fd = open_input_file(path, "data.corpus");
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // fails harmlessly on a FIFO
  return fd;
}

// read(2) until n bytes or end of file; returns the bytes read.
size_t read_full(int fd, char* buf, size_t n, const std::string& path) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, buf + got, n - got);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      fail(path, std::string("read error: ") + std::strerror(errno));
    }
    got += static_cast<size_t>(r);
  }
  return got;
}

// A stream of decoded bytes. read() fills up to cap bytes and returns 0 only at the end.
class Source {
 public:
  virtual ~Source() = default;
  virtual size_t read(char* buf, size_t cap) = 0;
};

class PlainSource : public Source {
 public:
  PlainSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  size_t read(char* buf, size_t cap) override { return read_full(fd_.get(), buf, cap, path_); }

 private:
  Fd fd_;
  std::string path_;
};

class GzSource : public Source {
 public:
  GzSource(int fd, std::string path) : path_(std::move(path)) {
    gz_ = ::gzdopen(fd, "rb");
    if (!gz_) {
      ::close(fd);
      fail(path_, "cannot open gzip stream (out of memory?)");
    }
    ::gzbuffer(gz_, 1u << 20);
  }
  ~GzSource() override { ::gzclose_r(gz_); }

  size_t read(char* buf, size_t cap) override {
    size_t got = 0;
    while (got < cap) {
      unsigned want = static_cast<unsigned>(std::min<size_t>(cap - got, 1u << 30));
      int r = ::gzread(gz_, buf + got, want);
      if (r < 0) check(true);
      if (r <= 0) {
        check(false);
        break;
      }
      got += static_cast<size_t>(r);
    }
    return got;
  }

 private:
  // zlib reports a truncated stream as Z_BUF_ERROR once it runs out of input.
  void check(bool failed) {
    int err = Z_OK;
    const char* msg = ::gzerror(gz_, &err);
    if (err == Z_OK || err == Z_STREAM_END) {
      if (failed) fail(path_, "gzip read error (re-download or re-compress the file)");
      return;
    }
    if (err == Z_BUF_ERROR) fail(path_, "truncated gzip stream (re-download or re-compress the file)");
    if (err == Z_ERRNO) fail(path_, std::string("read error: ") + std::strerror(errno));
    if (err == Z_MEM_ERROR) fail(path_, "out of memory while decompressing gzip");
    std::string detail = msg ? msg : "?";
    size_t colon = detail.rfind(": ");  // zlib prefixes the message with "<fd:N>: "
    if (colon != std::string::npos) detail = detail.substr(colon + 2);
    fail(path_, "corrupt gzip data: " + detail +
                    " (check it with gzip -t; re-download or re-compress the file)");
  }

  gzFile gz_ = nullptr;
  std::string path_;
};

class XzSource : public Source {
 public:
  // `prefix`: bytes already read from fd (the magic, when fd cannot seek back).
  XzSource(int fd, std::string path, const std::string& prefix)
      : fd_(fd), path_(std::move(path)), in_(new char[kInBytes]) {
    // The multi-threaded decoder splits multi-block files (xz -T) across threads and falls
    // back to one thread for single-block files; memory stays bounded by memlimit_threading.
    lzma_mt mt;
    std::memset(&mt, 0, sizeof(mt));
    mt.flags = LZMA_CONCATENATED;
    mt.threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    mt.timeout = 0;
    uint64_t phys = ::lzma_physmem();
    mt.memlimit_threading = phys ? std::min<uint64_t>(phys / 4, uint64_t{1} << 30) : (uint64_t{256} << 20);
    mt.memlimit_stop = UINT64_MAX;
    lzma_ret ret = ::lzma_stream_decoder_mt(&strm_, &mt);
    if (ret == LZMA_OPTIONS_ERROR || ret == LZMA_PROG_ERROR)
      ret = ::lzma_stream_decoder(&strm_, UINT64_MAX, LZMA_CONCATENATED);
    if (ret != LZMA_OK) fail(path_, "cannot start the xz decoder (out of memory?)");
    std::memcpy(in_.get(), prefix.data(), prefix.size());
    strm_.next_in = reinterpret_cast<const uint8_t*>(in_.get());
    strm_.avail_in = prefix.size();
  }
  ~XzSource() override { ::lzma_end(&strm_); }

  size_t read(char* buf, size_t cap) override {
    if (done_) return 0;
    strm_.next_out = reinterpret_cast<uint8_t*>(buf);
    strm_.avail_out = cap;
    while (strm_.avail_out > 0) {
      if (strm_.avail_in == 0 && !eof_) {
        size_t n = read_full(fd_.get(), in_.get(), kInBytes, path_);
        if (n == 0) eof_ = true;
        strm_.next_in = reinterpret_cast<const uint8_t*>(in_.get());
        strm_.avail_in = n;
      }
      lzma_ret ret = ::lzma_code(&strm_, eof_ ? LZMA_FINISH : LZMA_RUN);
      if (ret == LZMA_STREAM_END) {
        done_ = true;
        break;
      }
      if (ret != LZMA_OK) error(ret);
    }
    return cap - strm_.avail_out;
  }

 private:
  static constexpr size_t kInBytes = size_t{1} << 20;

  [[noreturn]] void error(lzma_ret ret) {
    switch (ret) {
      case LZMA_BUF_ERROR:
        fail(path_, "truncated xz stream (re-download or re-compress the file)");
      case LZMA_DATA_ERROR:
        fail(path_, "corrupt xz data (check it with xz -t; re-download or re-compress the file)");
      case LZMA_FORMAT_ERROR:
        fail(path_, "not a valid xz file (check it with xz -t)");
      case LZMA_OPTIONS_ERROR:
        fail(path_, "xz options not supported by this liblzma (decompress it with xz -d)");
      case LZMA_MEM_ERROR:
      case LZMA_MEMLIMIT_ERROR:
        fail(path_, "out of memory while decompressing xz");
      default:
        fail(path_, "xz decoder error " + std::to_string(static_cast<int>(ret)) +
                        " (check it with xz -t)");
    }
  }

  Fd fd_;
  std::string path_;
  std::unique_ptr<char[]> in_;
  lzma_stream strm_ = LZMA_STREAM_INIT;
  bool eof_ = false;
  bool done_ = false;
};

// Runs a (decompressing) source on its own thread, a few chunks ahead of the tokenizer, so
// decompression and tokenizing overlap.
class Prefetcher {
 public:
  explicit Prefetcher(std::unique_ptr<Source> source) : source_(std::move(source)) {
    for (auto& slot : slots_) slot.data.reset(new char[kChunkBytes]);
    thread_ = std::thread([this] { run(); });
  }
  ~Prefetcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // The next chunk (size 0 at the end); valid until release().
  std::pair<const char*, size_t> next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return filled_ > 0 || error_; });
    if (filled_ == 0 && error_) std::rethrow_exception(error_);
    const Slot& slot = slots_[head_];
    return {slot.data.get(), slot.size};
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      head_ = (head_ + 1) % kSlots;
      --filled_;
    }
    cv_.notify_all();
  }

 private:
  static constexpr size_t kSlots = 4;
  struct Slot {
    std::unique_ptr<char[]> data;
    size_t size = 0;
  };

  void run() {
    size_t tail = 0;
    try {
      while (true) {
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return filled_ < kSlots || stop_; });
          if (stop_) return;
        }
        Slot& slot = slots_[tail];
        slot.size = source_->read(slot.data.get(), kChunkBytes);
        {
          std::lock_guard<std::mutex> lock(mu_);
          ++filled_;
        }
        cv_.notify_all();
        if (slot.size == 0) return;
        tail = (tail + 1) % kSlots;
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
      cv_.notify_all();
    }
  }

  std::unique_ptr<Source> source_;
  std::array<Slot, kSlots> slots_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t head_ = 0;
  size_t filled_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

enum class Format { kPlain, kGzip, kXz };

// Detects the format by magic bytes; unsupported compressors get a clear error. A FIFO cannot
// be read twice: its first bytes are read and left in `consumed` for the decoder.
Format sniff(int fd, const std::string& path, std::string& consumed) {
  unsigned char magic[6] = {0, 0, 0, 0, 0, 0};
  ssize_t n;
  do {
    n = ::pread(fd, magic, sizeof(magic), 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ESPIPE) {
    n = static_cast<ssize_t>(read_full(fd, reinterpret_cast<char*>(magic), sizeof(magic), path));
    consumed.assign(reinterpret_cast<const char*>(magic), static_cast<size_t>(n));
  }
  if (n < 0) fail(path, std::string("read error: ") + std::strerror(errno));
  if (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    if (!consumed.empty())
      fail(path, "gzip data from a pipe is not supported (decompress it into the pipe: gzip -dc)");
    return Format::kGzip;
  }
  static const unsigned char kXz[6] = {0xFD, '7', 'z', 'X', 'Z', 0x00};
  if (n == 6 && std::memcmp(magic, kXz, 6) == 0) return Format::kXz;
  if (n >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h')
    fail(path, "bzip2 files are not supported (decompress it, or re-compress with xz or gzip)");
  if (n >= 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD)
    fail(path, "zstd files are not supported (decompress it, or re-compress with xz or gzip)");
  return Format::kPlain;
}

// Byte classes for the tokenizer.
enum : uint8_t { kToken = 0, kSpace = 1, kNewline = 2, kNul = 3, kCr = 4 };

struct ClassTable {
  std::array<uint8_t, 256> c{};
  ClassTable() {
    for (unsigned char ch : {' ', '\t', '\v', '\f'}) c[ch] = kSpace;
    c['\r'] = kCr;  // a space too, counted: CRLF line ends
    c['\n'] = kNewline;
    c[0] = kNul;
  }
};
const ClassTable kClasses;

inline bool continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Whether p[0, n) is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool valid_utf8(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n;) {
    uint32_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t min;
    if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if (!continuation(p[i + k])) return false;
      c = (c << 6) | (p[i + k] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

// Length of the prefix of a token of len > max bytes that ends on a UTF-8 character boundary.
// p must hold at least min(len, max + 4) bytes. Invalid UTF-8 is cut at max.
size_t utf8_cut(const unsigned char* p, size_t len, size_t max) {
  size_t k = max;
  while (k > 0 && k + 3 > max && continuation(p[k])) --k;
  if (continuation(p[k])) return max;  // not UTF-8: no boundary within a character's length
  if (k > 0) return k;
  // The first character alone is longer than max (max < 4): keep that one character whole.
  k = 1;
  while (k < len && k < 4 && continuation(p[k])) ++k;
  return k;
}

// Splits decoded bytes into sentences. Tokens are views into the current chunk; tokens of a
// sentence still open when the chunk ends are copied to a small arena first, so the chunk
// buffer can be reused. Memory: at most max_sentence_length * max_token_bytes.
class Tokenizer {
 public:
  Tokenizer(const ReaderLimits& limits, ReaderStats& stats, const SentenceFn& on_sentence)
      : max_len_(std::max<uint32_t>(1, limits.max_sentence_length)),
        max_bytes_(std::max<uint32_t>(1, limits.max_token_bytes)),
        stats_(stats),
        on_sentence_(on_sentence) {
    sentence_.reserve(std::min<uint32_t>(max_len_, 1u << 16));
    arena_.reserve(1u << 16);
  }

  void feed(const char* data, size_t n) {
    if (n == 0) return;
    stats_.bytes += n;
    last_byte_ = static_cast<unsigned char>(data[n - 1]);
    const auto* s = reinterpret_cast<const unsigned char*>(data);
    const auto* e = s + n;
    const uint8_t* cls = kClasses.c.data();
    if (in_token_) {
      const unsigned char* q = s;
      while (q < e && cls[*q] == kToken) ++q;
      extend_partial(s, q);
      if (q == e) return;
      in_token_ = false;
      finish_partial();
      s = q;
    }
    while (true) {
      while (s < e) {
        uint8_t c = cls[*s];
        if (c == kToken) break;
        if (c == kNewline) end_line();
        else if (c == kNul) ++stats_.nul_bytes;
        else if (c == kCr) ++stats_.carriage_returns;
        ++s;
      }
      if (s == e) break;
      const unsigned char* t = s;
      unsigned char high = 0;  // any byte >= 0x80: the token needs a UTF-8 check
      while (s < e && cls[*s] == kToken) high |= *s++;
      if (s == e) {  // the token may go on in the next chunk
        partial_.clear();
        partial_len_ = 0;
        extend_partial(t, s);
        in_token_ = true;
        break;
      }
      size_t len = static_cast<size_t>(s - t);
      if (len > max_bytes_) {
        len = utf8_cut(t, len, max_bytes_);
        ++stats_.cut_tokens;
      }
      if ((high & 0x80) && !valid_utf8(t, len)) ++stats_.invalid_utf8_tokens;
      make_room();
      sentence_.emplace_back(reinterpret_cast<const char*>(t), len);
    }
  }

  // The chunk buffer is about to be reused: copy the open sentence's tokens out of it.
  void end_chunk() {
    size_t need = arena_.size();
    for (size_t i = spilled_; i < sentence_.size(); ++i) need += sentence_[i].size();
    reserve_arena(need);
    for (size_t i = spilled_; i < sentence_.size(); ++i) {
      size_t at = arena_.size();
      arena_.append(sentence_[i].data(), sentence_[i].size());
      sentence_[i] = std::string_view(arena_.data() + at, sentence_[i].size());
    }
    spilled_ = sentence_.size();
  }

  // End of a file: it ends the open token and sentence.
  void finish() {
    if (in_token_) {
      in_token_ = false;
      finish_partial();
    }
    if (!sentence_.empty()) {
      emit();
      if (line_split_) ++stats_.split_lines;
    }
    line_split_ = false;
    if (stats_.bytes > bytes_at_file_start_ && last_byte_ != '\n') ++stats_.lines;
    bytes_at_file_start_ = stats_.bytes;
  }

 private:
  void extend_partial(const unsigned char* from, const unsigned char* to) {
    size_t n = static_cast<size_t>(to - from);
    size_t keep = size_t{max_bytes_} + 4;  // enough to find the UTF-8 boundary at the cut
    if (partial_.size() < keep)
      partial_.append(reinterpret_cast<const char*>(from), std::min(n, keep - partial_.size()));
    partial_len_ += n;
  }

  void finish_partial() {
    size_t len = partial_len_;
    if (len > max_bytes_) {
      len = utf8_cut(reinterpret_cast<const unsigned char*>(partial_.data()), partial_.size(),
                     max_bytes_);
      ++stats_.cut_tokens;
    }
    if (!valid_utf8(reinterpret_cast<const unsigned char*>(partial_.data()), len)) ++stats_.invalid_utf8_tokens;
    make_room();
    // Every earlier token of the sentence is already in the arena (end_chunk ran).
    reserve_arena(arena_.size() + len);
    size_t at = arena_.size();
    arena_.append(partial_.data(), len);
    sentence_.emplace_back(arena_.data() + at, len);
    spilled_ = sentence_.size();
  }

  // Grows the arena, moving the views of the tokens already in it.
  void reserve_arena(size_t need) {
    if (need <= arena_.capacity()) return;
    std::string bigger;
    bigger.reserve(std::max(need, 2 * arena_.capacity()));
    bigger.append(arena_);
    const char* old = arena_.data();
    for (size_t i = 0; i < spilled_; ++i)
      sentence_[i] = std::string_view(bigger.data() + (sentence_[i].data() - old), sentence_[i].size());
    arena_.swap(bigger);
  }

  // An over-long line goes out in pieces of max_sentence_length tokens.
  void make_room() {
    if (sentence_.size() == max_len_) {
      emit();
      line_split_ = true;
    }
  }

  void end_line() {
    ++stats_.lines;
    if (!sentence_.empty()) emit();
    if (line_split_) ++stats_.split_lines;
    line_split_ = false;
  }

  void emit() {
    stats_.tokens += sentence_.size();
    on_sentence_(sentence_);
    sentence_.clear();
    arena_.clear();
    spilled_ = 0;
  }

  const uint32_t max_len_;
  const uint32_t max_bytes_;
  ReaderStats& stats_;
  const SentenceFn& on_sentence_;
  std::vector<std::string_view> sentence_;
  std::string arena_;       // bytes of sentence_[0, spilled_)
  size_t spilled_ = 0;
  std::string partial_;     // first bytes of a token that crosses chunks
  uint64_t partial_len_ = 0;
  bool in_token_ = false;
  bool line_split_ = false;
  unsigned char last_byte_ = '\n';
  uint64_t bytes_at_file_start_ = 0;
};

void read_file(const std::string& path, Tokenizer& tokenizer) {
  Fd fd(open_input(path));
  std::string consumed;  // bytes sniff read from a FIFO
  Format format = sniff(fd.get(), path, consumed);
  if (format == Format::kPlain) {
    std::unique_ptr<char[]> buf(new char[kChunkBytes]);
    PlainSource source(fd.release(), path);
    tokenizer.feed(consumed.data(), consumed.size());
    tokenizer.end_chunk();
    while (size_t n = source.read(buf.get(), kChunkBytes)) {
      tokenizer.feed(buf.get(), n);
      tokenizer.end_chunk();
    }
  } else {
    std::unique_ptr<Source> source;
    if (format == Format::kGzip) source.reset(new GzSource(fd.release(), path));
    else source.reset(new XzSource(fd.release(), path, consumed));
    Prefetcher prefetch(std::move(source));
    while (true) {
      auto [data, n] = prefetch.next();
      if (n == 0) break;
      tokenizer.feed(data, n);
      tokenizer.end_chunk();
      prefetch.release();
    }
  }
  tokenizer.finish();
}

std::string counted(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

std::string describe_changes(const ReaderStats& stats, const ReaderLimits& limits) {
  std::vector<std::string> parts;
  if (stats.carriage_returns)
    parts.push_back(counted(stats.carriage_returns, "carriage return", "carriage returns") + " (CRLF line ends) read as spaces");
  if (stats.nul_bytes) parts.push_back(counted(stats.nul_bytes, "NUL byte", "NUL bytes") + " read as spaces");
  if (stats.cut_tokens)
    parts.push_back(counted(stats.cut_tokens, "token", "tokens") + " longer than " +
                    std::to_string(limits.max_token_bytes) + " bytes cut (data.max_token_bytes)");
  if (stats.split_lines)
    parts.push_back(counted(stats.split_lines, "line", "lines") + " longer than " +
                    std::to_string(limits.max_sentence_length) + " tokens split (data.max_sentence_length)");
  if (stats.invalid_utf8_tokens)
    parts.push_back(counted(stats.invalid_utf8_tokens, "token", "tokens") + " not valid UTF-8 (kept as bytes)");
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void warn_changes(const ReaderStats& stats, const ReaderLimits& limits) {
  const std::string changes = describe_changes(stats, limits);
  if (!changes.empty()) std::fprintf(stderr, "gemmvec: warning: corpus read with changes: %s\n", changes.c_str());
}

ReaderStats read_corpus(const std::vector<std::string>& paths, const ReaderLimits& limits,
                        const SentenceFn& on_sentence) {
  ReaderStats stats;
  Tokenizer tokenizer(limits, stats, on_sentence);
  for (const std::string& path : paths) read_file(path, tokenizer);
  return stats;
}

}  // namespace gemmvec
