// gemmvec: the token cache: the token file's header and its checks, and TokenCache, which maps
// a token file read-only and releases the pages a pass has consumed.
#include "data/token_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "data/token_format.h"

namespace gemmvec {

uint64_t vocab_hash(const Vocab& vocab) {
  Fnv f;
  f.u64(vocab.size());
  for (uint32_t i = 0; i < vocab.size(); ++i) {
    f.str(vocab.word(i));
    f.u64(vocab.count(i));
  }
  return f.h;
}

TokenHeader make_token_header(uint64_t tokens, uint64_t words, uint64_t raw_words, const Vocab& vocab) {
  TokenHeader h{};
  std::memcpy(h.magic, kTokenMagic, sizeof(kTokenMagic));
  h.version = kTokenVersion;
  h.tokens = tokens;
  h.words = words;
  h.raw_words = raw_words;
  h.vocab_size = vocab.size();
  h.vocab_hash = vocab_hash(vocab);
  return h;
}

TokenHeader read_token_header(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TokenHeader h;
  if (!in || !in.read(reinterpret_cast<char*>(&h), sizeof(h)))
    throw InputError(path + ": truncated or unreadable token cache (delete it to rebuild)");
  return h;
}

TokenCache::~TokenCache() {
  if (map_) ::munmap(map_, map_bytes_);
}

TokenCache::TokenCache(TokenCache&& o) noexcept
    : map_(o.map_), map_bytes_(o.map_bytes_), tokens_(o.tokens_), size_(o.size_),
      words_(o.words_), raw_words_(o.raw_words_) {
  o.map_ = nullptr;
  o.map_bytes_ = 0;
  o.tokens_ = nullptr;
  o.size_ = 0;
  o.words_ = o.raw_words_ = 0;
}

TokenCache& TokenCache::operator=(TokenCache&& o) noexcept {
  if (this != &o) {
    if (map_) ::munmap(map_, map_bytes_);
    map_ = o.map_;
    map_bytes_ = o.map_bytes_;
    tokens_ = o.tokens_;
    size_ = o.size_;
    words_ = o.words_;
    raw_words_ = o.raw_words_;
    o.map_ = nullptr;
    o.map_bytes_ = 0;
    o.tokens_ = nullptr;
    o.size_ = 0;
    o.words_ = o.raw_words_ = 0;
  }
  return *this;
}

size_t TokenCache::release(size_t begin, size_t end) const {
  end = std::min(end, size_);
  if (!tokens_ || begin >= end) return begin;
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  // Whole pages only: a neighbour's tokens on a shared page stay resident.
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(tokens_ + begin) + page - 1) & ~(page - 1);
  const uintptr_t hi = reinterpret_cast<uintptr_t>(tokens_ + end) & ~(page - 1);
  if (lo >= hi) return begin;
  // A read-only file mapping: dropped pages are read back from the file on the next access.
  ::madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
  return static_cast<size_t>(reinterpret_cast<const uint32_t*>(hi) - tokens_);
}

TokenCache TokenCache::open(const std::string& path, const std::string& fix) {
  auto bad = [&](const std::string& what) {
    return InputError(fmt::format("{}: {} ({})", path, what, fix));
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) throw InputError(path + ": no such token cache (run gemmvec prepare)");
    throw bad(fmt::format("cannot open the token cache: {}", std::strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw bad("not a regular file");
  }
  size_t bytes = static_cast<size_t>(st.st_size);
  if (bytes < kTokenHeaderBytes) {
    ::close(fd);
    throw bad("truncated token cache");
  }
  void* map = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  int err = errno;
  ::close(fd);
  if (map == MAP_FAILED) throw bad(fmt::format("cannot map the token cache: {}", std::strerror(err)));
  TokenCache cache;  // owns the mapping from here on
  cache.map_ = map;
  cache.map_bytes_ = bytes;
  ::madvise(map, bytes, MADV_SEQUENTIAL);
  TokenHeader h;
  std::memcpy(&h, map, sizeof(h));
  if (std::memcmp(h.magic, kTokenMagic, sizeof(kTokenMagic)) != 0) throw bad("not a gemmvec token cache");
  if (h.version != kTokenVersion)
    throw bad(fmt::format("token cache version {}, this gemmvec reads version {}", h.version, kTokenVersion));
  if (h.tokens > (bytes - kTokenHeaderBytes) / sizeof(uint32_t) ||
      kTokenHeaderBytes + h.tokens * sizeof(uint32_t) != bytes)
    throw bad(fmt::format("truncated or corrupt token cache ({} bytes, header says {} tokens)",
                          bytes, h.tokens));
  cache.tokens_ = reinterpret_cast<const uint32_t*>(static_cast<const char*>(map) + kTokenHeaderBytes);
  cache.size_ = h.tokens;
  if (cache.size_ > 0 && cache.tokens_[cache.size_ - 1] != kSentenceBreak)
    throw bad("corrupt token cache (no sentence break at the end)");
  if (h.words > h.tokens || h.words > h.raw_words) throw bad("corrupt token cache (bad counts)");
  cache.words_ = h.words;
  cache.raw_words_ = h.raw_words;
  return cache;
}

}  // namespace gemmvec
