// gemmvec: a corpus file's decoded bytes (plain, .gz, .xz), chunk by chunk.
#pragma once
#include <cstddef>
#include <functional>
#include <string>

namespace gemmvec {

// Called with each chunk of a file's decoded bytes, in order; the bytes are valid only during
// the call (the buffer is reused), so a caller keeps what it still needs by copying it.
using ChunkFn = std::function<void(const char* data, size_t n)>;

// Decodes one corpus file, detecting gzip and xz by their magic bytes (bzip2 and zstd are
// refused with the fix). Throws InputError naming the file on a missing, unreadable or corrupt
// (truncated .gz/.xz) input. A FIFO works too (plain text or .xz; a piped gzip stream is
// refused with the fix).
void read_chunks(const std::string& path, const ChunkFn& on_chunk);

}  // namespace gemmvec
