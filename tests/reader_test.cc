// gemmvec tests: the streaming corpus reader: plain, .gz and .xz, edge cases and errors,
// against an independent reading of the same text.
#include <gtest/gtest.h>
#include <lzma.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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

#include "test_files.h"

namespace gemmvec {
namespace {

using namespace gemmvec::test;
using Sentences = std::vector<std::vector<std::string>>;

Sentences read_all(const std::vector<std::string>& paths, ReaderLimits limits = {},
                   ReaderStats* stats = nullptr) {
  Sentences out;
  ReaderStats s = read_corpus(paths, limits, [&](const std::vector<std::string_view>& tokens) {
    out.emplace_back(tokens.begin(), tokens.end());
  });
  if (stats) *stats = s;
  return out;
}

// The expected reading, written independently of the reader: whole text in memory, split on
// lines, then whitespace; tokens cut by walking whole UTF-8 characters.
struct Expected {
  Sentences sentences;
  uint64_t cut = 0, split = 0, nul = 0;
};

size_t utf8_prefix(const std::string& t, size_t max) {
  size_t at = 0;
  while (at < t.size()) {
    unsigned char b = static_cast<unsigned char>(t[at]);
    size_t len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    if (at + len > max) break;
    at += len;
  }
  return at;
}

Expected reference_read(const std::string& text, size_t max_len, size_t max_bytes) {
  Expected e;
  std::vector<std::string> lines;
  std::string line;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(line);
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  lines.push_back(line);
  for (const std::string& l : lines) {
    std::vector<std::string> tokens;
    std::string tok;
    for (char c : l) {
      if (c == '\0') ++e.nul;
      if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\0') {
        if (!tok.empty()) tokens.push_back(tok);
        tok.clear();
      } else {
        tok.push_back(c);
      }
    }
    if (!tok.empty()) tokens.push_back(tok);
    for (std::string& t : tokens) {
      if (t.size() > max_bytes) {
        t.resize(utf8_prefix(t, max_bytes));
        ++e.cut;
      }
    }
    if (tokens.size() > max_len) ++e.split;
    for (size_t at = 0; at < tokens.size(); at += max_len)
      e.sentences.emplace_back(tokens.begin() + at,
                               tokens.begin() + std::min(tokens.size(), at + max_len));
  }
  return e;
}

// Random UTF-8 text of about `bytes` bytes: mixed separators, CRLF, NULs, empty lines, long
// lines, long tokens (one of them longer than the reader's 1 MiB chunks), multi-byte chars.
std::string random_text(size_t bytes, uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  static const char* kChars[] = {"a", "b", "e", "z", "0", "\xC3\xA9", "\xE2\x82\xAC",
                                 "\xF0\x9F\x98\x80", "q", "x"};
  static const char* kSeps[] = {" ", " ", " ", "  ", "\t", "\r", "\v", "\f"};
  std::string s;
  s.reserve(bytes + (2u << 20));
  bool huge_done = false;
  while (s.size() < bytes) {
    uint32_t kind = pick(100);
    size_t tokens = kind < 3 ? 1500 + pick(1500) : kind < 8 ? 0 : pick(30);
    for (size_t t = 0; t < tokens; ++t) {
      size_t len = pick(50) == 0 ? 90 + pick(40) : 1 + pick(9);
      if (!huge_done && s.size() > (700u << 10)) {  // straddles the 1 MiB chunk boundary
        len = 600000;
        huge_done = true;
      }
      for (size_t c = 0; c < len; ++c) s += kChars[pick(10)];
      uint32_t sep = pick(40);
      if (sep == 0) s.push_back('\0');
      else s += kSeps[sep % 8];
    }
    s += pick(4) == 0 ? "\r\n" : "\n";
  }
  return s;
}

void expect_same(const Sentences& got, const Expected& want, const ReaderStats& stats,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.sentences.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want.sentences[i]) << what << " sentence " << i;
  EXPECT_EQ(stats.cut_tokens, want.cut) << what;
  EXPECT_EQ(stats.split_lines, want.split) << what;
  EXPECT_EQ(stats.nul_bytes, want.nul) << what;
  uint64_t tokens = 0;
  for (const auto& s : got) tokens += s.size();
  EXPECT_EQ(stats.tokens, tokens) << what;
}

// ---------------------------------------------------------------------------------------
// Reader

TEST(Reader, PlainGzXzMatchReference) {
  TempDir dir;
  const std::string text = random_text(3u << 20, 7);
  ReaderLimits limits;
  limits.max_sentence_length = 1000;
  limits.max_token_bytes = 100;
  Expected want = reference_read(text, limits.max_sentence_length, limits.max_token_bytes);
  ASSERT_GT(want.cut, 10u);
  ASSERT_GT(want.split, 0u);
  ASSERT_GT(want.nul, 0u);
  write_file(dir.file("c.txt"), text);
  write_gz(dir.file("c.txt.gz"), text);
  write_xz(dir.file("c.txt.xz"), text);
  for (const char* name : {"c.txt", "c.txt.gz", "c.txt.xz"}) {
    ReaderStats stats;
    Sentences got = read_all({dir.file(name)}, limits, &stats);
    expect_same(got, want, stats, name);
    EXPECT_EQ(stats.bytes, text.size()) << name;
  }
}

TEST(Reader, SmallLimitsMatchReference) {
  TempDir dir;
  const std::string text = random_text(1500u << 10, 11);
  ReaderLimits limits;
  limits.max_sentence_length = 7;
  limits.max_token_bytes = 5;  // cuts inside 2-, 3- and 4-byte characters
  Expected want = reference_read(text, 7, 5);
  write_xz(dir.file("c.xz"), text);
  ReaderStats stats;
  Sentences got = read_all({dir.file("c.xz")}, limits, &stats);
  expect_same(got, want, stats, "c.xz");
}

TEST(Reader, FormatDetectedByMagicNotExtension) {
  TempDir dir;
  write_gz(dir.file("really-gzip.txt"), "alpha beta\ngamma\n");
  write_file(dir.file("really-plain.gz"), "delta epsilon\n");
  write_xz(dir.file("really-xz.gz"), "zeta\n");
  EXPECT_EQ(read_all({dir.file("really-gzip.txt")}), (Sentences{{"alpha", "beta"}, {"gamma"}}));
  EXPECT_EQ(read_all({dir.file("really-plain.gz")}), (Sentences{{"delta", "epsilon"}}));
  EXPECT_EQ(read_all({dir.file("really-xz.gz")}), (Sentences{{"zeta"}}));
}

TEST(Reader, CrlfAndEmptyLines) {
  TempDir dir;
  write_file(dir.file("crlf.txt"), "one two\r\n\r\n\r\n  \t \nthree\r\nfour");
  ReaderStats stats;
  Sentences got = read_all({dir.file("crlf.txt")}, {}, &stats);
  EXPECT_EQ(got, (Sentences{{"one", "two"}, {"three"}, {"four"}}));
  EXPECT_EQ(stats.lines, 6u);
  EXPECT_EQ(stats.tokens, 4u);
}

TEST(Reader, NulBytesAreWhitespaceAndCounted) {
  TempDir dir;
  write_file(dir.file("nul.txt"), std::string("a\0b  c\0\0\nd\0", 11));
  ReaderStats stats;
  Sentences got = read_all({dir.file("nul.txt")}, {}, &stats);
  EXPECT_EQ(got, (Sentences{{"a", "b", "c"}, {"d"}}));
  EXPECT_EQ(stats.nul_bytes, 4u);
}

TEST(Reader, LongLineSplitIntoSentences) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 2500; ++i) text += "w" + std::to_string(i) + " ";
  text += "\n";
  for (int i = 0; i < 1000; ++i) text += "x ";  // exactly the limit: not split
  text += "\n";
  write_file(dir.file("long.txt"), text);
  ReaderStats stats;
  Sentences got = read_all({dir.file("long.txt")}, {}, &stats);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].size(), 1000u);
  EXPECT_EQ(got[1].size(), 1000u);
  EXPECT_EQ(got[2].size(), 500u);
  EXPECT_EQ(got[3].size(), 1000u);
  EXPECT_EQ(got[1][0], "w1000");
  EXPECT_EQ(got[2][499], "w2499");
  EXPECT_EQ(stats.split_lines, 1u);
}

TEST(Reader, LongTokenCutAtUtf8Boundary) {
  TempDir dir;
  const std::string euro = "\xE2\x82\xAC";  // 3 bytes
  const std::string e_acute = "\xC3\xA9";    // 2 bytes
  const std::string smile = "\xF0\x9F\x98\x80";  // 4 bytes
  std::string euros, smiles, mixed = "ab";
  for (int i = 0; i < 40; ++i) euros += euro;      // 120 bytes; 100 falls inside a euro
  for (int i = 0; i < 30; ++i) smiles += smile;    // 120 bytes; 100 is a boundary
  for (int i = 0; i < 60; ++i) mixed += e_acute;   // 122 bytes; 100 is a boundary
  std::string odd = "a" + smiles;                  // 121 bytes; 100 falls inside a smile
  write_file(dir.file("tok.txt"), euros + " " + smiles + "\n" + mixed + " " + odd + " short\n");
  ReaderStats stats;
  Sentences got = read_all({dir.file("tok.txt")}, {}, &stats);
  ASSERT_EQ(got.size(), 2u);
  ASSERT_EQ(got[0].size(), 2u);
  ASSERT_EQ(got[1].size(), 3u);
  EXPECT_EQ(got[0][0], euros.substr(0, 99));   // 33 whole euros
  EXPECT_EQ(got[0][1], smiles.substr(0, 100));  // 25 whole smiles
  EXPECT_EQ(got[1][0], mixed.substr(0, 100));
  EXPECT_EQ(got[1][1], odd.substr(0, 97));     // "a" + 24 smiles
  EXPECT_EQ(got[1][2], "short");
  EXPECT_EQ(stats.cut_tokens, 4u);
}

TEST(Reader, InvalidUtf8IsCutAtTheLimit) {
  TempDir dir;
  // Continuation bytes with no lead byte: no character boundary near the limit, so the cut
  // falls at max_token_bytes exactly rather than anywhere earlier.
  std::string junk(150, '\x80');
  std::string ok = std::string(98, 'a') + "\xE2\x82\xAC";  // 101 bytes: the euro is dropped
  write_file(dir.file("bad.txt"), junk + " " + ok + "\n");
  ReaderStats stats;
  Sentences got = read_all({dir.file("bad.txt")}, {}, &stats);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_EQ(got[0].size(), 2u);
  EXPECT_EQ(got[0][0], std::string(100, '\x80'));
  EXPECT_EQ(got[0][1], std::string(98, 'a'));
  EXPECT_EQ(stats.cut_tokens, 2u);
}

TEST(Reader, LongSentenceAcrossChunks) {
  TempDir dir;
  // One 3 MB line read as one sentence: its tokens outlive several 1 MiB chunks.
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; text.size() < (3u << 20); ++i) {
    want.push_back("t" + std::to_string(uint64_t(i) * 7919 % 1000003));
    text += want.back() + (i % 3 ? " " : "\t ");
  }
  text += "\nlast\n";
  write_file(dir.file("line.txt"), text);
  ReaderLimits limits;
  limits.max_sentence_length = 10'000'000;
  Sentences got = read_all({dir.file("line.txt")}, limits);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], want);
  EXPECT_EQ(got[1], (std::vector<std::string>{"last"}));
}

TEST(Reader, HugeTokenAndHugeLineStream) {
  TempDir dir;
  // A 5 MB token (several chunks) of 3-byte characters, then a 3 MB line of short tokens
  // with no newline at the end of the file.
  std::string text;
  for (int i = 0; i < (5 << 20) / 3; ++i) text += "\xE2\x82\xAC";
  text += " tail\n";
  for (int i = 0; i < (3 << 20) / 4; ++i) text += "abc ";
  write_file(dir.file("huge.txt"), text);
  ReaderStats stats;
  uint64_t sentences = 0, tokens = 0;
  size_t max_sentence = 0;
  std::string first;
  read_corpus({dir.file("huge.txt")}, {}, [&](const std::vector<std::string_view>& t) {
    if (sentences == 0) first = std::string(t[0]);
    ++sentences;
    tokens += t.size();
    max_sentence = std::max(max_sentence, t.size());
  });
  std::string euros;
  for (int i = 0; i < 33; ++i) euros += "\xE2\x82\xAC";
  EXPECT_EQ(first, euros);
  EXPECT_EQ(tokens, 2u + (3u << 20) / 4);
  EXPECT_EQ(max_sentence, 1000u);
  EXPECT_EQ(sentences, 1u + ((3u << 20) / 4 + 999) / 1000);
}

TEST(Reader, FilesEndSentences) {
  TempDir dir;
  write_file(dir.file("a.txt"), "a b");
  write_gz(dir.file("b.gz"), "c d\ne");
  ReaderStats stats;
  Sentences got = read_all({dir.file("a.txt"), dir.file("b.gz")}, {}, &stats);
  EXPECT_EQ(got, (Sentences{{"a", "b"}, {"c", "d"}, {"e"}}));
  EXPECT_EQ(stats.lines, 3u);
}

TEST(Reader, EmptyFileEmitsNothing) {
  TempDir dir;
  write_file(dir.file("empty.txt"), "");
  write_gz(dir.file("empty.gz"), "");
  write_xz(dir.file("empty.xz"), "");
  ReaderStats stats;
  EXPECT_TRUE(read_all({dir.file("empty.txt"), dir.file("empty.gz"), dir.file("empty.xz")}, {}, &stats).empty());
  EXPECT_EQ(stats.tokens, 0u);
  EXPECT_EQ(stats.lines, 0u);
}

TEST(Reader, TruncatedGzipNamesFile) {
  TempDir dir;
  std::string text = random_text(200u << 10, 3);
  write_gz(dir.file("cut.txt.gz"), text);
  std::string gz = read_file(dir.file("cut.txt.gz"));
  write_file(dir.file("cut.txt.gz"), gz.substr(0, gz.size() / 2));
  std::string err = error_of([&] { read_all({dir.file("cut.txt.gz")}); });
  EXPECT_NE(err.find("cut.txt.gz"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated gzip"), std::string::npos) << err;
  // Only the 8-byte trailer missing: the data is whole but the stream is not.
  write_file(dir.file("cut2.gz"), gz.substr(0, gz.size() - 4));
  err = error_of([&] { read_all({dir.file("cut2.gz")}); });
  EXPECT_NE(err.find("cut2.gz"), std::string::npos) << err;
}

TEST(Reader, CorruptGzipNamesFile) {
  TempDir dir;
  write_gz(dir.file("bad.gz"), random_text(100u << 10, 4));
  std::string gz = read_file(dir.file("bad.gz"));
  for (size_t i = gz.size() / 3; i < gz.size() / 3 + 64; ++i) gz[i] = static_cast<char>(gz[i] ^ 0x5A);
  write_file(dir.file("bad.gz"), gz);
  std::string err = error_of([&] { read_all({dir.file("bad.gz")}); });
  EXPECT_NE(err.find("bad.gz"), std::string::npos) << err;
}

TEST(Reader, TruncatedXzNamesFile) {
  TempDir dir;
  write_xz(dir.file("cut.txt.xz"), random_text(200u << 10, 5));
  std::string xz = read_file(dir.file("cut.txt.xz"));
  write_file(dir.file("cut.txt.xz"), xz.substr(0, xz.size() / 2));
  std::string err = error_of([&] { read_all({dir.file("cut.txt.xz")}); });
  EXPECT_NE(err.find("cut.txt.xz"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated xz"), std::string::npos) << err;
  write_file(dir.file("cut2.xz"), xz.substr(0, xz.size() - 3));  // index/footer cut
  err = error_of([&] { read_all({dir.file("cut2.xz")}); });
  EXPECT_NE(err.find("cut2.xz"), std::string::npos) << err;
}

TEST(Reader, CorruptXzNamesFile) {
  TempDir dir;
  write_xz(dir.file("bad.xz"), random_text(100u << 10, 6));
  std::string xz = read_file(dir.file("bad.xz"));
  for (size_t i = xz.size() / 3; i < xz.size() / 3 + 64; ++i) xz[i] = static_cast<char>(xz[i] ^ 0x5A);
  write_file(dir.file("bad.xz"), xz);
  std::string err = error_of([&] { read_all({dir.file("bad.xz")}); });
  EXPECT_NE(err.find("bad.xz"), std::string::npos) << err;
}

TEST(Reader, MissingFileAndDirectory) {
  TempDir dir;
  std::string err = error_of([&] { read_all({dir.file("nope.txt")}); });
  EXPECT_NE(err.find("nope.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("no such file"), std::string::npos) << err;
  err = error_of([&] { read_all({dir.path().string()}); });
  EXPECT_NE(err.find(dir.path().string()), std::string::npos) << err;
  EXPECT_NE(err.find("directory"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << err;  // one line
}

TEST(Reader, UnreadableFileNamesFile) {
  if (::geteuid() == 0) {  // root reads any file; /proc/self/mem opens but fails to read at 0
    std::string err = error_of([&] { read_all({"/proc/self/mem"}); });
    EXPECT_NE(err.find("/proc/self/mem: read error"), std::string::npos) << err;
    return;
  }
  TempDir dir;
  write_file(dir.file("secret.txt"), "a b\n");
  fs::permissions(dir.file("secret.txt"), fs::perms::none);
  std::string err = error_of([&] { read_all({dir.file("secret.txt")}); });
  EXPECT_NE(err.find("secret.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("permission"), std::string::npos) << err;
}

}  // namespace
}  // namespace gemmvec
