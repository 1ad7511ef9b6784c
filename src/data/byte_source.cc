// gemmvec: a corpus file's decoded bytes (plain, .gz or .xz, told apart by magic bytes) in
// chunks, decompression running on its own thread ahead of the tokenizer.
#include "data/byte_source.h"

#include <fcntl.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include "gemmvec/errors.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

constexpr size_t kChunkBytes = size_t{1} << 20;  // decoded bytes handed on at once

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

}  // namespace

void read_chunks(const std::string& path, const ChunkFn& on_chunk) {
  Fd fd(open_input(path));
  std::string consumed;  // bytes sniff read from a FIFO
  Format format = sniff(fd.get(), path, consumed);
  if (format == Format::kPlain) {
    std::unique_ptr<char[]> buf(new char[kChunkBytes]);
    PlainSource source(fd.release(), path);
    on_chunk(consumed.data(), consumed.size());
    while (size_t n = source.read(buf.get(), kChunkBytes)) on_chunk(buf.get(), n);
  } else {
    std::unique_ptr<Source> source;
    if (format == Format::kGzip) source.reset(new GzSource(fd.release(), path));
    else source.reset(new XzSource(fd.release(), path, consumed));
    Prefetcher prefetch(std::move(source));
    while (true) {
      auto [data, n] = prefetch.next();
      if (n == 0) break;
      on_chunk(data, n);
      prefetch.release();
    }
  }
}

}  // namespace gemmvec
