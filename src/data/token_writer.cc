// gemmvec: writing a token file: the temporary file, the buffered writes, the header last.
#include "data/token_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "base/file_errors.h"

namespace gemmvec {

void fail_token_write(const std::string& path, int err) {
  throw_write_error(path.substr(0, path.rfind(".tmp.")), err, "cannot write the token cache");
}

TmpFile::TmpFile(std::string final_path) : final_(std::move(final_path)), target_(resolve_output(final_)) {
  fd_ = create_temporary(target_.in_place ? final_ : target_.path, path_);
  if (fd_ < 0) fail_token_write(final_ + ".tmp.", errno);
}

TmpFile::~TmpFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

int TmpFile::take_fd() { return std::exchange(fd_, -1); }

void TmpFile::commit() {
  if (target_.in_place) {
    copy_into_place();
  } else if (std::rename(path_.c_str(), target_.path.c_str()) != 0) {
    fail_token_write(final_, errno);
  } else {
    path_.clear();
  }
}

void TmpFile::copy_into_place() {
  std::ifstream in(path_, std::ios::binary);
  if (!in) fail_token_write(path_, errno);
  AtomicWriter out(final_);  // in place: named as final_ in its errors
  std::vector<char> buf(size_t{1} << 20);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0)
    out.write(buf.data(), static_cast<size_t>(in.gcount()));
  if (in.bad()) fail_token_write(path_, EIO);
  out.commit();
}

TokenWriter::TokenWriter(int fd, const std::string& path) : path_(path), fd_(fd) {
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
