// gemmvec: the one-line errors about input files and failed writes.
#include "base/file_errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "gemmvec/errors.h"

namespace gemmvec {
namespace {

std::string hint(const std::string& key) {
  return key.empty() ? "check the path given" : fmt::format("check {} in the config or the path given", key);
}

[[noreturn]] void fail_open(const std::string& path, int err, const std::string& key) {
  if (err == ENOENT) throw InputError(fmt::format("{}: no such file ({})", path, hint(key)), err);
  if (err == EACCES || err == EPERM)
    throw InputError(fmt::format("{}: permission denied (make it readable: chmod a+r {})", path, path), err);
  if (err == EISDIR) throw InputError(fmt::format("{}: is a directory, not a file ({})", path, hint(key)), err);
  throw InputError(fmt::format("{}: cannot open: {} ({})", path, std::strerror(err), hint(key)), err);
}

}  // namespace

int open_input_file(const std::string& path, const std::string& key) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) fail_open(path, errno, key);
  struct stat st;
  int err = 0;
  if (::fstat(fd, &st) != 0) err = errno;
  else if (S_ISDIR(st.st_mode)) err = EISDIR;
  if (err != 0) {
    ::close(fd);
    fail_open(path, err, key);
  }
  return fd;
}

void require_input_file(const std::string& path, const std::string& key) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) fail_open(path, errno, key);
  if (S_ISDIR(st.st_mode)) fail_open(path, EISDIR, key);
  if (S_ISREG(st.st_mode)) {
    ::close(open_input_file(path, key));
  } else if (::access(path.c_str(), R_OK) != 0) {
    fail_open(path, errno, key);
  }
}

bool is_disk_full(int err) {
  return err == ENOSPC
#ifdef EDQUOT
         || err == EDQUOT
#endif
      ;
}

void throw_write_error(const std::string& path, int err, const std::string& what) {
  if (is_disk_full(err))
    throw ResourceError(fmt::format("no space left on device writing {} (free space or write elsewhere)", path), err);
  throw InputError(fmt::format("{}: {}: {} ({})", path, what, std::strerror(err),
                               err == ENAMETOOLONG ? "choose a shorter name" : "check the directory exists and is writable"));
}

}  // namespace gemmvec
