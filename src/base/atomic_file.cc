// gemmvec: files written to PATH.tmp, fsynced and renamed into place.
#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "gemmvec/errors.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

constexpr size_t kIoBuffer = size_t{4} << 20;  // stdio buffer for big files

// Makes the rename durable; failure here loses nothing already written, so it is ignored.
void sync_directory(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

AtomicWriter::AtomicWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) fail(errno, "cannot open for writing");
  buffer_.reset(new char[kIoBuffer]);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kIoBuffer);
}

AtomicWriter::~AtomicWriter() {
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(tmp_.c_str());
}

void AtomicWriter::write(const void* data, size_t n) {
  if (n == 0) return;
  if (std::fwrite(data, 1, n, file_) != n) fail(errno, "write failed");
}

void AtomicWriter::commit() {
  if (std::fflush(file_) != 0) fail(errno, "write failed");
  if (::fsync(fileno(file_)) != 0 && errno != EINVAL && errno != EROFS) fail(errno, "fsync failed");
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) fail(errno, "close failed");
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) fail(errno, "cannot rename the temporary file into place");
  committed_ = true;
  sync_directory(path_);
}

void AtomicWriter::fail(int err, const char* what) {
  throw_write_error(path_, err, fmt::format("{} ({})", what, tmp_));
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicWriter w(path);
  w.write(content);
  w.commit();
}

}  // namespace gemmvec
