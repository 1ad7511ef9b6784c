// gemmvec: writing a token file: under a temporary name renamed into place when complete, in
// large buffered writes, with the header filled in last.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/atomic_file.h"
#include "data/token_format.h"

namespace gemmvec {

// Throws the write error for a token file (a full disk is a ResourceError), naming the file
// users know (PREFIX.tokens), not its temporary (PREFIX.tokens.tmp.XXXXXX).
[[noreturn]] void fail_token_write(const std::string& path, int err);

// A temporary file beside its final path (base/atomic_file.h: a fresh name, never a planted
// link), removed unless commit() puts it in place: renamed onto the resolved path, or, when that
// path is a device or FIFO, copied into it (a token file must be written whole before it is
// renumbered in place, which a device cannot do).
class TmpFile {
 public:
  explicit TmpFile(std::string final_path);
  ~TmpFile();
  TmpFile(const TmpFile&) = delete;
  TmpFile& operator=(const TmpFile&) = delete;
  const std::string& path() const { return path_; }
  // The open descriptor, handed to its writer (who closes it).
  int take_fd();
  void commit();

 private:
  void copy_into_place();
  std::string final_;
  OutputTarget target_;
  std::string path_;
  int fd_ = -1;
};

// Buffered writer of a header placeholder and then uint32 tokens.
class TokenWriter {
 public:
  // Writes to `fd` (a TmpFile's, owned from here on); `path` names it in errors.
  TokenWriter(int fd, const std::string& path);
  ~TokenWriter();
  TokenWriter(const TokenWriter&) = delete;
  TokenWriter& operator=(const TokenWriter&) = delete;

  void push(uint32_t token) {
    buf_.push_back(token);
    if (buf_.size() >= kBufTokens) flush();
  }
  void push(const uint32_t* tokens, size_t n) {
    buf_.insert(buf_.end(), tokens, tokens + n);
    if (buf_.size() >= kBufTokens) flush();
  }
  uint64_t written() const { return written_ + buf_.size(); }

  // Writes the header (when given) and closes the file.
  void close(const TokenHeader* header);

 private:
  static constexpr size_t kBufTokens = size_t{1} << 18;  // 1 MiB

  void write_all(const void* p, size_t n);
  void flush();

  std::string path_;
  int fd_ = -1;
  std::vector<uint32_t> buf_;
  uint64_t written_ = 0;
};

}  // namespace gemmvec
