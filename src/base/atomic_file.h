// gemmvec: a file written beside its final path and renamed into place, so a reader (or a run
// killed mid-write) never sees a partial file.
#pragma once
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace gemmvec {

// Streams bytes to PATH.tmp and renames it to PATH on commit() (after fsync); the temporary is
// removed if the writer is destroyed uncommitted. Throws InputError naming the file on
// failure; a full disk is a ResourceError (file_errors.h).
class AtomicWriter {
 public:
  explicit AtomicWriter(std::string path);
  AtomicWriter(const AtomicWriter&) = delete;
  AtomicWriter& operator=(const AtomicWriter&) = delete;
  ~AtomicWriter();

  void write(const void* data, size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  void commit();

 private:
  [[noreturn]] void fail(int err, const char* what);
  std::string path_, tmp_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  bool committed_ = false;
};

// Writes `content` to path atomically.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace gemmvec
