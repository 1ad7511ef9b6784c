// gemmvec tests: files for the tests: a temporary folder per test, writing and reading bytes,
// gzip and xz encoders, and the message of an InputError.
#pragma once
#include <gtest/gtest.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gemmvec/config.h"
#include "data/corpus_reader.h"
#include "data/token_cache.h"
#include "data/vocab.h"

namespace gemmvec::test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("gemmvec-corpus-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) +
             "-" + (info ? info->name() : "x"));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_gz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb1");
  ASSERT_NE(f, nullptr);
  size_t at = 0;
  while (at < bytes.size()) {
    unsigned n = static_cast<unsigned>(std::min<size_t>(bytes.size() - at, 1u << 20));
    ASSERT_EQ(gzwrite(f, bytes.data() + at, n), static_cast<int>(n));
    at += n;
  }
  ASSERT_EQ(gzclose(f), Z_OK);
}

inline void write_xz(const std::string& path, const std::string& bytes) {
  std::string out(lzma_stream_buffer_bound(bytes.size()), '\0');
  size_t pos = 0;
  ASSERT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr,
                                    reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                    reinterpret_cast<uint8_t*>(&out[0]), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  write_file(path, out);
}

// Equal bytes, or where they first differ: a failed EXPECT_EQ would print whole vector files.
inline ::testing::AssertionResult same_bytes(const std::string& got, const std::string& want) {
  if (got == want) return ::testing::AssertionSuccess();
  const size_t n = std::min(got.size(), want.size());
  const size_t at = static_cast<size_t>(std::mismatch(got.begin(), got.begin() + n, want.begin()).first - got.begin());
  return ::testing::AssertionFailure() << got.size() << " bytes against " << want.size()
                                       << ", first difference at byte " << at;
}

// The temporaries an atomic write of `path` has left beside it (NAME.tmp.XXXXXX, or the old
// fixed NAME.tmp): none after a write that succeeded or failed.
inline std::vector<std::string> temporaries_of(const std::string& path) {
  std::vector<std::string> out;
  const fs::path p(path);
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".tmp";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
  return out;
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

// The first `sentences` sentences of a corpus file (any format the reader takes), one per
// line, tokens joined by single spaces; "" if the file cannot be read.
inline std::string corpus_head(const std::string& path, size_t sentences) {
  std::string out;
  size_t n = 0;
  try {
    read_corpus({path}, {}, [&](const std::vector<std::string_view>& tokens) {
      if (n >= sentences) return;
      ++n;
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (i) out += ' ';
        out.append(tokens[i]);
      }
      out += '\n';
    });
  } catch (const InputError&) {
    return "";
  }
  return out;
}

}  // namespace gemmvec::test
