// gemmvec fuzzing: the per-process directory the inputs are written to.
#include "fuzz_util.h"

#include <unistd.h>

#include <filesystem>
#include <system_error>

namespace gemmvec_fuzz {
namespace {

void remove_temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(temp_dir(), ec);
}

std::string make_temp_dir() {
  std::string base = "/dev/shm";
  if (::access(base.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    base = tmp && *tmp ? tmp : "/tmp";
  }
  std::string templ = base + "/gemmvec-fuzz-XXXXXX";
  if (!::mkdtemp(templ.data())) {
    std::perror("gemmvec fuzz: mkdtemp");
    std::abort();
  }
  return templ;
}

}  // namespace

const std::string& temp_dir() {
  // Never destroyed: the exit handler that removes the directory runs after static destructors.
  static const std::string* dir = [] {
    auto* d = new std::string(make_temp_dir());
    std::atexit(remove_temp_dir);
    return d;
  }();
  return *dir;
}

std::string write_input(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = temp_dir() + "/" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (size > 0 && std::fwrite(data, 1, size, f) != size) || std::fclose(f) != 0) {
    std::perror(("gemmvec fuzz: writing " + path).c_str());
    std::abort();
  }
  return path;
}

}  // namespace gemmvec_fuzz
