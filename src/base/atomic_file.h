// gemmvec: a file written beside its final path and renamed into place, so a reader (or a run
// killed mid-write) never sees a partial file.
#pragma once
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace gemmvec {

// The folder a file is written into: "." for a bare name, "/" for a file at the root.
std::string folder_of(const std::string& path);

// Where a write of `path` lands. A symlink is followed to its final target (a dangling one
// too), so the link itself is never replaced by a regular file. `in_place` when that target
// exists and is neither a regular file nor a folder (/dev/null, /dev/full, a FIFO): such a file
// is written where it is, since renaming a temporary onto it would replace the device.
struct OutputTarget {
  std::string path;
  bool in_place = false;
};
OutputTarget resolve_output(const std::string& path);

// Creates a new, empty file beside `final_path` named NAME.tmp.XXXXXX (a random suffix),
// O_CREAT|O_EXCL|O_NOFOLLOW, mode 0644 less the umask; its name goes to `tmp_path`. Never opens
// an existing file or follows a planted link, and two writers never share a name. Returns the
// descriptor (read-write, O_CLOEXEC), or -1 with errno set.
int create_temporary(const std::string& final_path, std::string& tmp_path);
// The bytes a temporary's name adds to the output's (".tmp.XXXXXX").
inline constexpr size_t kTemporarySuffixBytes = 11;

// Streams bytes to a temporary from create_temporary() and renames it onto the resolved path
// on commit() (after fsync); the temporary is removed if the writer is destroyed uncommitted.
// An in-place target (resolve_output) is opened for writing as it is, without O_TRUNC, and
// never renamed. Throws InputError naming the file on failure; a full disk is a ResourceError
// (file_errors.h).
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
  std::string path_;    // as given: named in errors
  std::string target_;  // the resolved path the file ends up at
  std::string tmp_;     // the temporary; empty when writing in place
  std::FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  bool committed_ = false;
};

// Writes `content` to path atomically.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace gemmvec
