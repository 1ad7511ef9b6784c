// gemmvec: files written to a unique temporary beside them, fsynced and renamed into place.
#include "base/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "gemmvec/errors.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

constexpr size_t kIoBuffer = size_t{4} << 20;  // stdio buffer for big files
constexpr int kMaxLinks = 40;                  // as the kernel's MAXSYMLINKS: a loop ends here

// Makes the rename durable; failure here loses nothing already written, so it is ignored.
void sync_directory(const std::string& path) {
  const int fd = ::open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

// Six characters no other writer (thread or process) draws at the same moment: the seed mixes
// the OS's entropy with the pid, so forked children do not repeat their parent's sequence.
std::string random_suffix() {
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng;
  thread_local pid_t seeded_for = 0;
  if (seeded_for != ::getpid()) {
    std::random_device rd;
    rng.seed((uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid()) ^
             static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    seeded_for = ::getpid();
  }
  std::string s(kTemporarySuffixBytes - 5, 'X');  // after ".tmp."
  for (char& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

}  // namespace

std::string folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

OutputTarget resolve_output(const std::string& path) {
  OutputTarget t{path, false};
  std::error_code ec;
  for (int links = 0; links < kMaxLinks && fs::is_symlink(fs::symlink_status(t.path, ec)); ++links) {
    const fs::path to = fs::read_symlink(t.path, ec);
    if (ec) break;
    t.path = to.is_absolute() ? to.string() : (fs::path(folder_of(t.path)) / to).lexically_normal().string();
  }
  struct stat st;
  t.in_place = ::stat(t.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
  return t;
}

int create_temporary(const std::string& final_path, std::string& tmp_path) {
  // 62^6 names: a clash (EEXIST) is a rare retry, and only a name nobody holds is ever opened.
  for (int attempt = 0; attempt < 100; ++attempt) {
    tmp_path = final_path + ".tmp." + random_suffix();
    const int fd = ::open(tmp_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

AtomicWriter::AtomicWriter(std::string path) : path_(std::move(path)) {
  const OutputTarget target = resolve_output(path_);
  target_ = target.path;
  int fd;
  if (target.in_place) {
    do {  // a FIFO waits here for its reader, as `> fifo` does
      fd = ::open(target_.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
  } else {
    fd = create_temporary(target_, tmp_);
  }
  if (fd < 0) fail(errno, "cannot open for writing");
  file_ = ::fdopen(fd, "wb");
  if (!file_) {
    const int err = errno;
    ::close(fd);
    if (!tmp_.empty()) ::unlink(tmp_.c_str());  // no destructor runs for a throwing constructor
    fail(err, "cannot open for writing");
  }
  buffer_.reset(new char[kIoBuffer]);
  std::setvbuf(file_, buffer_.get(), _IOFBF, kIoBuffer);
}

AtomicWriter::~AtomicWriter() {
  if (file_) std::fclose(file_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicWriter::write(const void* data, size_t n) {
  if (n == 0) return;
  if (std::fwrite(data, 1, n, file_) != n) fail(errno, "write failed");
}

void AtomicWriter::commit() {
  if (std::fflush(file_) != 0) fail(errno, "write failed");
  // Devices and FIFOs cannot be synced (EINVAL); there is nothing to make durable there.
  if (::fsync(fileno(file_)) != 0 && errno != EINVAL && errno != EROFS) fail(errno, "fsync failed");
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) fail(errno, "close failed");
  if (tmp_.empty()) {
    committed_ = true;
    return;
  }
  if (std::rename(tmp_.c_str(), target_.c_str()) != 0) fail(errno, "cannot rename the temporary file into place");
  committed_ = true;
  sync_directory(target_);
}

void AtomicWriter::fail(int err, const char* what) {
  throw_write_error(path_, err, fmt::format("{} ({})", what, tmp_.empty() ? target_ : tmp_));
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicWriter w(path);
  w.write(content);
  w.commit();
}

}  // namespace gemmvec
