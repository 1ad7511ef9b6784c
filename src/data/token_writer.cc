// gemmvec: writing a token file: the temporary file, the buffered writes, the header last.
#include "data/token_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <fmt/format.h>

#include "base/file_errors.h"

namespace gemmvec {

void fail_token_write(const std::string& path, int err) {
  throw_write_error(path.substr(0, path.rfind(".tmp.")), err, "cannot write the token cache");
}

TmpFile::TmpFile(std::string final_path)
    : final_(std::move(final_path)), path_(fmt::format("{}.tmp.{}", final_, ::getpid())) {}

TmpFile::~TmpFile() {
  if (!path_.empty()) std::remove(path_.c_str());
}

void TmpFile::commit() {
  if (std::rename(path_.c_str(), final_.c_str()) != 0) fail_token_write(final_, errno);
  path_.clear();
}

TokenWriter::TokenWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_token_write(path, errno);
  buf_.reserve(kBufTokens);
  TokenHeader zero{};
  write_all(&zero, sizeof(zero));
}

TokenWriter::~TokenWriter() {
  if (fd_ >= 0) ::close(fd_);
}

void TokenWriter::close(const TokenHeader* header) {
  flush();
  if (header && ::pwrite(fd_, header, sizeof(*header), 0) != static_cast<ssize_t>(sizeof(*header)))
    fail_token_write(path_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail_token_write(path_, errno);
}

void TokenWriter::write_all(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd_, c, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) fail_token_write(path_, w < 0 ? errno : ENOSPC);
    c += w;
    n -= static_cast<size_t>(w);
  }
}

void TokenWriter::flush() {
  if (buf_.empty()) return;
  write_all(buf_.data(), buf_.size() * sizeof(uint32_t));
  written_ += buf_.size();
  buf_.clear();
}

}  // namespace gemmvec
