// gemmvec: word vectors in word2vec.c's binary and text formats, written atomically.
#include "gemmvec/vectors_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "gemmvec/errors.h"
#include "base/file_errors.h"

namespace gemmvec {
namespace {

constexpr size_t kIoBuffer = size_t{4} << 20;     // stdio buffer for big vector files
std::string errno_text(int err) { return std::strerror(err); }
constexpr size_t kMaxWordBytes = size_t{1} << 20;  // a longer "word" means a corrupt file

void check_shape(const std::string& path, const WordVectors& v) {
  if (v.data.size() != v.words.size() * size_t{v.dim}) {
    throw std::invalid_argument(fmt::format("{}: {} words of dimension {} need {} values, have {}", path,
                                            v.words.size(), v.dim, v.words.size() * size_t{v.dim},
                                            v.data.size()));
  }
}

// Float32 little-endian on disk whatever the host.
inline void to_little_endian(float* p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, p + i, 4);
    u = __builtin_bswap32(u);
    std::memcpy(p + i, &u, 4);
  }
#else
  (void)p;
  (void)n;
#endif
}

// Appends `x` as word2vec.c's fprintf("%lf ", x) would, byte for byte, but ~10x faster than
// printf for |x| < 2^31: a 1M x 300 text file is then seconds, not minutes.
void append_fixed6(std::string& out, float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  const uint32_t biased = (u >> 23) & 0xff;
  if (biased >= 127 + 31) {  // |x| >= 2^31, inf, nan: rare; let printf do it
    char num[512];
    const int n = std::snprintf(num, sizeof num, "%lf ", static_cast<double>(x));
    out.append(num, static_cast<size_t>(n));
    return;
  }
  // x = m * 2^e exactly; round m * 10^6 * 2^e to an integer, ties to even (as glibc does).
  const uint64_t m = biased ? ((u & 0x7fffffu) | 0x800000u) : (u & 0x7fffffu);
  const int e = biased ? static_cast<int>(biased) - 150 : -149;
  uint64_t q = m * 1000000u;  // < 2^44
  if (e >= 0) {
    q <<= e;  // e <= 7 here
  } else if (-e >= 46) {
    q = 0;  // below half a millionth
  } else {
    const int s = -e;
    const uint64_t rem = q & ((uint64_t{1} << s) - 1), half = uint64_t{1} << (s - 1);
    q >>= s;
    if (rem > half || (rem == half && (q & 1))) ++q;
  }
  char buf[32];
  char* p = buf + sizeof buf;
  *--p = ' ';
  uint64_t frac = q % 1000000, whole = q / 1000000;
  for (int i = 0; i < 6; ++i, frac /= 10) *--p = static_cast<char>('0' + frac % 10);
  *--p = '.';
  do {
    *--p = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole);
  if (u >> 31) *--p = '-';
  out.append(p, static_cast<size_t>(buf + sizeof buf - p));
}

// ---- reading ---------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path) {
    const int fd = open_input_file(path, "");  // missing, a directory, unreadable: named with the fix
    file_ = ::fdopen(fd, "rb");
    if (!file_) {
      const int err = errno;
      ::close(fd);
      throw InputError(fmt::format("{}: cannot open word vectors: {}", path, errno_text(err)));
    }
    buffer_.reset(new char[kIoBuffer]);
    std::setvbuf(file_, buffer_.get(), _IOFBF, kIoBuffer);
    struct stat st;
    if (::fstat(fileno(file_), &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<uint64_t>(st.st_size);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader() { std::fclose(file_); }

  FILE* file() const { return file_; }
  uint64_t size() const { return size_; }  // 0 when unknown
  const std::string& path() const { return path_; }

  // Reads up to and excluding '\n' (at most `limit` bytes); false at EOF with nothing read.
  bool read_line(std::string& line, size_t limit) {
    line.clear();
    int c;
    while ((c = getc_unlocked(file_)) != EOF && c != '\n') {
      if (line.size() >= limit) return true;  // caller sees an over-long line as malformed
      line.push_back(static_cast<char>(c));
    }
    check_error();
    return c != EOF || !line.empty();
  }
  void check_error() const {
    if (std::ferror(file_)) {
      const int err = errno;
      throw InputError(fmt::format("{}: read failed: {}", path_, errno_text(err)));
    }
  }

 private:
  std::string path_;
  FILE* file_ = nullptr;
  std::unique_ptr<char[]> buffer_;
  uint64_t size_ = 0;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

const char* skip_space(const char* p, const char* end) {
  while (p < end && is_space(*p)) ++p;
  return p;
}

// Parses whitespace-separated floats from [p, end) into out (at most `max` of them); returns
// how many were parsed, or -1 if something that is not a number is found.
int64_t parse_floats(const char* p, const char* end, float* out, size_t max) {
  size_t n = 0;
  for (;;) {
    p = skip_space(p, end);
    if (p == end) return static_cast<int64_t>(n);
    if (n == max) return static_cast<int64_t>(n + 1);  // more values than expected
    if (*p == '+') ++p;                               // from_chars takes no leading '+'
    float x;
    const auto r = std::from_chars(p, end, x);
    if (r.ec == std::errc::invalid_argument) return -1;
    // Out of float's range: let strtof pick inf or the denormal/zero, as C readers would.
    if (r.ec == std::errc::result_out_of_range) x = std::strtof(std::string(p, r.ptr).c_str(), nullptr);
    if (r.ptr < end && !is_space(*r.ptr)) return -1;
    out[n++] = x;
    p = r.ptr;
  }
}

struct Header {
  uint64_t words = 0;
  uint64_t dim = 0;
};

Header read_header(Reader& in) {
  std::string line;
  if (!in.read_line(line, 256)) throw InputError(fmt::format("{}: empty file, expected a 'WORDS DIM' header", in.path()));
  const char* p = line.data();
  const char* end = p + line.size();
  Header h;
  p = skip_space(p, end);
  auto r1 = std::from_chars(p, end, h.words);
  p = skip_space(r1.ptr, end);
  auto r2 = std::from_chars(p, end, h.dim);
  const bool ok = r1.ec == std::errc() && r2.ec == std::errc() && r1.ptr != line.data() &&
                  skip_space(r2.ptr, end) == end && h.dim > 0 && h.dim <= (uint64_t{1} << 24);
  if (!ok) {
    const std::string shown = line.size() > 60 ? line.substr(0, 60) + "..." : line;
    throw InputError(fmt::format("{}: bad header '{}' (expected 'WORDS DIM' as word2vec writes, DIM >= 1)",
                                 in.path(), shown));
  }
  if (h.words > (uint64_t{1} << 40) / h.dim) {
    throw InputError(fmt::format("{}: header announces {} x {} values, too many to be real", in.path(), h.words, h.dim));
  }
  return h;
}

// The first row decides the format: text if everything after the word up to the newline
// parses as exactly DIM numbers. Binary rows hold raw float bytes, which practically never do.
bool first_row_is_text(Reader& in, uint64_t dim) {
  std::string line;
  int c;
  while ((c = getc_unlocked(in.file())) == '\n') {
  }
  if (c == EOF) return false;
  line.push_back(static_cast<char>(c));
  std::string rest;
  in.read_line(rest, dim * 64 + 4096);
  line += rest;
  const size_t space = line.find_first_of(" \t");
  if (space == std::string::npos) return false;
  std::vector<float> values(dim);
  const int64_t n = parse_floats(line.data() + space, line.data() + line.size(), values.data(), dim);
  return n == static_cast<int64_t>(dim);
}

std::string shown_word(const std::string& w) { return w.size() > 40 ? w.substr(0, 40) + "..." : w; }

void read_binary(Reader& in, const Header& h, WordVectors& out) {
  FILE* f = in.file();
  std::string word;
  for (uint64_t row = 0; row < h.words; ++row) {
    int c;
    // word2vec.c ends each row with '\n'; gensim writes none. Accept both.
    while ((c = getc_unlocked(f)) == '\n') {
    }
    word.clear();
    while (c != ' ') {
      if (c == EOF) {
        in.check_error();
        throw InputError(fmt::format("{}: truncated at row {} of {} (the header announces {} words)", in.path(),
                                     row + 1, h.words, h.words));
      }
      if (word.size() >= kMaxWordBytes) {
        throw InputError(fmt::format("{}: row {}: no space after the word within {} bytes (corrupt file?)", in.path(),
                                     row + 1, kMaxWordBytes));
      }
      word.push_back(static_cast<char>(c));
      c = getc_unlocked(f);
    }
    if (word.empty()) throw InputError(fmt::format("{}: row {}: empty word", in.path(), row + 1));
    const size_t at = out.data.size();
    out.data.resize(at + h.dim);
    const size_t got = std::fread(out.data.data() + at, sizeof(float), h.dim, f);
    if (got != h.dim) {
      in.check_error();
      throw InputError(fmt::format("{}: truncated at row {} of {} ('{}': {} of {} values)", in.path(), row + 1, h.words,
                                   shown_word(word), got, h.dim));
    }
    to_little_endian(out.data.data() + at, h.dim);
    out.words.push_back(word);
  }
}

void read_text(Reader& in, const Header& h, WordVectors& out) {
  std::string line;
  const size_t limit = h.dim * 64 + kMaxWordBytes;
  uint64_t row = 0;
  uint64_t line_no = 1;
  while (row < h.words) {
    if (!in.read_line(line, limit)) {
      throw InputError(fmt::format("{}: truncated at row {} of {} (the header announces {} words)", in.path(), row + 1,
                                   h.words, h.words));
    }
    ++line_no;
    const char* p = skip_space(line.data(), line.data() + line.size());
    const char* end = line.data() + line.size();
    if (p == end) continue;  // blank line
    const char* w = p;
    while (p < end && !is_space(*p)) ++p;
    std::string word(w, p);
    const size_t at = out.data.size();
    out.data.resize(at + h.dim);
    const int64_t n = parse_floats(p, end, out.data.data() + at, h.dim);
    if (n != static_cast<int64_t>(h.dim)) {
      if (n < 0) {
        throw InputError(fmt::format("{}: line {} (row {}, '{}'): a value is not a number", in.path(), line_no, row + 1,
                                     shown_word(word)));
      }
      throw InputError(fmt::format("{}: line {} (row {}, '{}'): {} values, expected {}", in.path(), line_no, row + 1,
                                   shown_word(word), n > static_cast<int64_t>(h.dim) ? "more than " + std::to_string(h.dim) : std::to_string(n),
                                   h.dim));
    }
    out.words.push_back(std::move(word));
    ++row;
  }
}

// Reads the rows after the header (at offset `body`) in one format, then checks that only
// whitespace follows them.
WordVectors read_rows(Reader& in, const Header& h, long body, bool text) {
  const std::string& path = in.path();
  if (std::fseek(in.file(), body, SEEK_SET) != 0) {
    const int err = errno;
    throw InputError(fmt::format("{}: cannot seek (word vectors must be a regular file): {}", path, errno_text(err)));
  }
  WordVectors out;
  out.dim = static_cast<uint32_t>(h.dim);
  // Reserve only what the file can hold, so a corrupt header cannot ask for terabytes.
  uint64_t reserve = h.words * h.dim;
  if (in.size() > 0) reserve = std::min<uint64_t>(reserve, in.size() / sizeof(float) + h.dim);
  out.data.reserve(reserve);
  out.words.reserve(std::min<uint64_t>(h.words, in.size() > 0 ? in.size() / (h.dim + 1) + 1 : h.words));
  if (text) {
    read_text(in, h, out);
  } else {
    read_binary(in, h, out);
  }
  int c;
  while ((c = getc_unlocked(in.file())) != EOF && is_space(static_cast<char>(c))) {
  }
  in.check_error();
  if (c != EOF) {
    throw InputError(fmt::format("{}: data after the {} rows the header announces (wrong header?)", path, h.words));
  }
  return out;
}

// The format the file name promises: text (.txt, .vec), binary (.bin), or none.
std::optional<bool> text_by_name(const std::string& path) {
  const auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".txt") || ends(".vec")) return true;
  if (ends(".bin")) return false;
  return std::nullopt;
}

// Parses the header and rows; errors are completed with the fix by load_word2vec.
WordVectors read_vectors(Reader& in) {
  const Header h = read_header(in);
  if (h.words == 0) {
    WordVectors out;
    out.dim = static_cast<uint32_t>(h.dim);
    return out;
  }
  const long body = std::ftell(in.file());
  if (body < 0) {
    const int err = errno;
    throw InputError(fmt::format("{}: cannot seek (word vectors must be a regular file): {}", in.path(), errno_text(err)));
  }
  const bool text = first_row_is_text(in, h.dim);
  // A binary row whose float bytes are all digits reads as text too. When the content and the
  // name disagree, the name wins if the whole file reads in its format.
  const std::optional<bool> named = text_by_name(in.path());
  if (named && *named != text) {
    try {
      return read_rows(in, h, body, *named);
    } catch (const InputError&) {
    }
  }
  return read_rows(in, h, body, text);
}

}  // namespace

void save_word2vec_binary(const std::string& path, const WordVectors& v) {
  check_shape(path, v);
  AtomicWriter w(path);
  w.write(fmt::format("{} {}\n", v.words.size(), v.dim));
  std::vector<float> row(v.dim);
  for (size_t i = 0; i < v.words.size(); ++i) {
    w.write(v.words[i]);
    w.write(" ", 1);
    std::memcpy(row.data(), v.row(i), sizeof(float) * v.dim);
    to_little_endian(row.data(), v.dim);
    w.write(row.data(), sizeof(float) * v.dim);
    w.write("\n", 1);
  }
  w.commit();
}

void save_word2vec_text(const std::string& path, const WordVectors& v) {
  check_shape(path, v);
  AtomicWriter w(path);
  w.write(fmt::format("{} {}\n", v.words.size(), v.dim));
  std::string line;
  for (size_t i = 0; i < v.words.size(); ++i) {
    // Exactly word2vec.c: fprintf("%s ", word), then fprintf("%lf ", value) per value, then "\n".
    line.assign(v.words[i]);
    line.push_back(' ');
    const float* r = v.row(i);
    for (uint32_t j = 0; j < v.dim; ++j) append_fixed6(line, r[j]);
    line.push_back('\n');
    w.write(line);
  }
  w.commit();
}

WordVectors load_word2vec(const std::string& path) {
  Reader in(path);
  try {
    return read_vectors(in);
  } catch (const InputError& e) {
    throw InputError(std::string(e.what()) + " (not a whole word2vec file: write it again, or check the path)");
  }
}

}  // namespace gemmvec
