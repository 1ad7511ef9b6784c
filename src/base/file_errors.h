// gemmvec: the one-line errors about files, in one place: an input that is missing, a directory
// or unreadable (InputError, exit 1); a write that fails, a full disk being a ResourceError
// (exit 3).
#pragma once
#include <string>

namespace gemmvec {

// Opens an input for reading and returns the descriptor (O_CLOEXEC). Throws InputError naming
// the path and the fix: "PATH: no such file (check KEY in the config or the path given)", "is a
// directory", "permission denied". `key` is the setting the path came from ("" for a path given
// on the command line).
int open_input_file(const std::string& path, const std::string& key);

// Checks, before a long run, that an input exists and can be read, without consuming it: a
// regular file is opened and closed; a FIFO or device is only checked with access(2), since
// opening a FIFO would wait for (and then cut off) its writer.
void require_input_file(const std::string& path, const std::string& key);

// ENOSPC or EDQUOT.
bool is_disk_full(int err);

// Throws the error for a failed write of `path`: ResourceError "no space left on device writing
// PATH (free space or write elsewhere)" for a full disk, else InputError "PATH: WHAT: strerror
// (check the directory exists and is writable)".
[[noreturn]] void throw_write_error(const std::string& path, int err, const std::string& what);

}  // namespace gemmvec
