// gemmvec tests: the corpus side: the streaming reader (plain, .gz, .xz, edge cases and
// errors), the vocabulary, and the token cache with prepare_corpus's cache keys.
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
#include "gemmvec/corpus_reader.h"
#include "gemmvec/token_cache.h"
#include "gemmvec/vocab.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;
using Sentences = std::vector<std::vector<std::string>>;

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

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_gz(const std::string& path, const std::string& bytes) {
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

void write_xz(const std::string& path, const std::string& bytes) {
  std::string out(lzma_stream_buffer_bound(bytes.size()), '\0');
  size_t pos = 0;
  ASSERT_EQ(lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, nullptr,
                                    reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                    reinterpret_cast<uint8_t*>(&out[0]), &pos, out.size()),
            LZMA_OK);
  out.resize(pos);
  write_file(path, out);
}

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

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
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

// ---------------------------------------------------------------------------------------
// Vocab

TEST(Vocab, FromCountsSortsFiltersAndBreaksTies) {
  Vocab v = Vocab::from_counts({{"b", 7}, {"a", 5}, {"c", 5}, {"ab", 5}, {"d", 2}, {"e", 3}}, 3, 0);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"b", "a", "ab", "c", "e"}));
  EXPECT_EQ(v.counts(), (std::vector<uint64_t>{7, 5, 5, 5, 3}));
  EXPECT_EQ(v.total(), 25u);
  EXPECT_EQ(v.find("ab"), 2u);
  EXPECT_EQ(v.find("d"), Vocab::kMissing);
  EXPECT_EQ(v.find("b"), 0u);
}

TEST(Vocab, MaxSizeCapsAfterSorting) {
  Vocab v = Vocab::from_counts({{"z", 9}, {"y", 8}, {"x", 8}, {"w", 1}}, 1, 2);
  EXPECT_EQ(v.words(), (std::vector<std::string>{"z", "x"}));
  EXPECT_EQ(v.total(), 17u);
  Vocab all = Vocab::from_counts({{"z", 9}, {"y", 8}}, 1, 0);
  EXPECT_EQ(all.size(), 2u);
}

TEST(Vocab, SaveLoadRoundTrip) {
  TempDir dir;
  Vocab v = Vocab::from_counts({{"the", 100}, {"caf\xC3\xA9", 7}, {"of", 50}}, 1, 0);
  v.save(dir.file("v.txt"));
  EXPECT_EQ(read_file(dir.file("v.txt")), "the 100\nof 50\ncaf\xC3\xA9 7\n");
  EXPECT_FALSE(fs::exists(dir.file("v.txt.tmp")));
  Vocab back = Vocab::load(dir.file("v.txt"));
  EXPECT_EQ(back.words(), v.words());
  EXPECT_EQ(back.counts(), v.counts());
  EXPECT_EQ(back.total(), 157u);
  EXPECT_EQ(back.find("of"), 1u);
}

TEST(Vocab, SaveFailureNamesFileAndLeavesNoTemporary) {
  TempDir dir;
  Vocab v = Vocab::from_counts({{"a", 1}}, 1, 0);
  std::string err = error_of([&] { v.save(dir.file("no/such/dir/v.txt")); });
  EXPECT_NE(err.find("v.txt"), std::string::npos) << err;
  fs::create_directories(dir.file("taken"));  // the rename onto a directory fails
  err = error_of([&] { v.save(dir.file("taken")); });
  EXPECT_NE(err.find("taken"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(dir.file("taken.tmp")));
}

TEST(Vocab, LoadAcceptsCrlfAndTabs) {
  TempDir dir;
  write_file(dir.file("v.txt"), "</s> 9\r\nx\t4\r\n\r\n");
  Vocab v = Vocab::load(dir.file("v.txt"));
  EXPECT_EQ(v.words(), (std::vector<std::string>{"</s>", "x"}));
  EXPECT_EQ(v.counts(), (std::vector<uint64_t>{9, 4}));
}

TEST(Vocab, LoadMalformedLineNamesFileAndLine) {
  TempDir dir;
  write_file(dir.file("v1.txt"), "a 5\nb 4\nc\n");
  std::string err = error_of([&] { Vocab::load(dir.file("v1.txt")); });
  EXPECT_NE(err.find("v1.txt:3: no count"), std::string::npos) << err;
  write_file(dir.file("v2.txt"), "a 5\nb 4x\n");
  err = error_of([&] { Vocab::load(dir.file("v2.txt")); });
  EXPECT_NE(err.find("v2.txt:2"), std::string::npos) << err;
  write_file(dir.file("v3.txt"), "a 5\na 4\n");
  err = error_of([&] { Vocab::load(dir.file("v3.txt")); });
  EXPECT_NE(err.find("v3.txt:2"), std::string::npos) << err;
  EXPECT_NE(err.find("duplicate"), std::string::npos) << err;
  write_file(dir.file("v4.txt"), "a 5 6\n");
  err = error_of([&] { Vocab::load(dir.file("v4.txt")); });
  EXPECT_NE(err.find("v4.txt:1"), std::string::npos) << err;
  err = error_of([&] { Vocab::load(dir.file("missing.txt")); });
  EXPECT_NE(err.find("missing.txt"), std::string::npos) << err;
}

TEST(Vocab, CountWordsCountsEveryToken) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b a\nc a b\n\n");
  write_gz(dir.file("d.gz"), "b c\n");
  auto counts = count_words({dir.file("c.txt"), dir.file("d.gz")}, 1000, 100);
  EXPECT_EQ(counts.size(), 3u);
  EXPECT_EQ(counts["a"], 3u);
  EXPECT_EQ(counts["b"], 3u);
  EXPECT_EQ(counts["c"], 2u);
}

TEST(Vocab, CountWordsPrunesRareWordsPastMaxTable) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 20; ++i) text += "frequent common common ";
  text += "\n";
  for (int i = 0; i < 50; ++i) text += "rare" + std::to_string(i) + " ";
  text += "frequent\n";
  write_file(dir.file("c.txt"), text);
  auto all = count_words({dir.file("c.txt")}, 100000, 100, 0);  // 0: no limit
  EXPECT_EQ(all.size(), 52u);
  auto pruned = count_words({dir.file("c.txt")}, 100000, 100, 10);
  EXPECT_LE(pruned.size(), 10u);
  EXPECT_EQ(pruned["frequent"], 21u);
  EXPECT_EQ(pruned["common"], 40u);
}

TEST(Vocab, WordIndexFindsLongAndShortWords) {
  WordIndex index;
  std::vector<std::string> words = {"a", "ab", "abcdefgh", "abcdefghi", "abcdefghij",
                                    "abcdefghX", "abcdefghijklmnop", "abcdefghijklmnoq",
                                    "abcdefghijklmnopq", "abcdefghijklmnopr",
                                    std::string(300, 'q'), std::string(301, 'q'), "\xE2\x82\xAC"};
  for (int i = 0; i < 5000; ++i) words.push_back("w" + std::to_string(i));  // forces rehashes
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(index.insert(words[i]), i);
  for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(index.find(words[i]), i) << words[i];
  EXPECT_EQ(index.insert("abcdefghi"), 3u);
  EXPECT_EQ(index.find("abcdefg"), Vocab::kMissing);
  EXPECT_EQ(index.find("abcdefghiX"), Vocab::kMissing);
  EXPECT_EQ(index.find(std::string(302, 'q')), Vocab::kMissing);
  EXPECT_EQ(index.find(""), Vocab::kMissing);
  EXPECT_EQ(index.find("abcdefghijklmno"), Vocab::kMissing);
  // The batch forms agree with the single ones; the batch insert adds new words in order.
  std::vector<std::string_view> batch = {"ab", "new1", "abcdefghijklmnopq", "new2", "new1", "a"};
  std::vector<uint32_t> ids(batch.size());
  index.find(batch.data(), batch.size(), ids.data());
  const uint32_t n = static_cast<uint32_t>(words.size());
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, Vocab::kMissing, 8, Vocab::kMissing, Vocab::kMissing, 0}));
  index.insert(batch.data(), batch.size(), ids.data());
  EXPECT_EQ(ids, (std::vector<uint32_t>{1, n, 8, n + 1, n, 0}));
  EXPECT_EQ(index.size(), n + 2);
  EXPECT_EQ(index.word(n + 1), "new2");
  Vocab v = Vocab::from_counts({{"x", 3}, {"yy", 2}}, 1, 0);
  WordIndex vi(v);
  EXPECT_EQ(vi.find("yy"), 1u);
  EXPECT_EQ(vi.size(), 2u);
}

// ---------------------------------------------------------------------------------------
// TokenCache

std::vector<uint32_t> tokens_of(const TokenCache& c) { return {c.data(), c.data() + c.size()}; }
constexpr uint32_t B = kSentenceBreak;

TEST(TokenCache, BuildOpenRoundTrip) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b x\nb c\n\nx x\nc\r\n");
  Vocab v = Vocab::from_counts({{"a", 1}, {"b", 2}, {"c", 2}}, 1, 0);  // ids: b 0, c 1, a 2
  TokenCache::build({dir.file("c.txt")}, v, DataConfig{}, dir.file("c.tokens"));
  EXPECT_FALSE(fs::exists(dir.file("c.tokens.tmp")));
  TokenCache c = TokenCache::open(dir.file("c.tokens"));
  EXPECT_EQ(tokens_of(c), (std::vector<uint32_t>{2, 0, B, 0, 1, B, 1, B}));
  EXPECT_EQ(c.words(), 5u);
  EXPECT_EQ(c.raw_words(), 8u);
  EXPECT_EQ(fs::file_size(dir.file("c.tokens")), 64u + 8u * 4u);
  TokenCache moved = std::move(c);
  EXPECT_EQ(moved.size(), 8u);
  EXPECT_EQ(c.size(), 0u);
}

TEST(TokenCache, BuildSplitsLongLinesWithBreaks) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a a a a a\n");
  Vocab v = Vocab::from_counts({{"a", 5}}, 1, 0);
  DataConfig data;
  data.max_sentence_length = 2;
  TokenCache::build({dir.file("c.txt")}, v, data, dir.file("c.tokens"));
  TokenCache c = TokenCache::open(dir.file("c.tokens"));
  EXPECT_EQ(tokens_of(c), (std::vector<uint32_t>{0, 0, B, 0, 0, B, 0, B}));
}

TEST(TokenCache, TruncatedOrCorruptCacheIsAnError) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b\nb\n");
  Vocab v = Vocab::from_counts({{"a", 1}, {"b", 2}}, 1, 0);
  TokenCache::build({dir.file("c.txt")}, v, DataConfig{}, dir.file("c.tokens"));
  std::string bytes = read_file(dir.file("c.tokens"));
  write_file(dir.file("cut.tokens"), bytes.substr(0, bytes.size() - 4));
  std::string err = error_of([&] { TokenCache::open(dir.file("cut.tokens")); });
  EXPECT_NE(err.find("cut.tokens"), std::string::npos) << err;
  EXPECT_NE(err.find("delete it to rebuild"), std::string::npos) << err;
  write_file(dir.file("long.tokens"), bytes + "xxxx");
  err = error_of([&] { TokenCache::open(dir.file("long.tokens")); });
  EXPECT_NE(err.find("long.tokens"), std::string::npos) << err;
  write_file(dir.file("short.tokens"), bytes.substr(0, 20));
  err = error_of([&] { TokenCache::open(dir.file("short.tokens")); });
  EXPECT_NE(err.find("short.tokens"), std::string::npos) << err;
  std::string bad = bytes;
  bad[0] = 'X';
  write_file(dir.file("magic.tokens"), bad);
  err = error_of([&] { TokenCache::open(dir.file("magic.tokens")); });
  EXPECT_NE(err.find("magic.tokens"), std::string::npos) << err;
  bad = bytes;
  bad[8] = 99;  // version
  write_file(dir.file("version.tokens"), bad);
  err = error_of([&] { TokenCache::open(dir.file("version.tokens")); });
  EXPECT_NE(err.find("version"), std::string::npos) << err;
  EXPECT_NO_THROW(TokenCache::open(dir.file("c.tokens")));
}

Config small_config(const TempDir& dir, const std::vector<std::string>& corpus) {
  Config config;
  config.data.corpus = corpus;
  config.data.cache_dir = dir.file("cache");
  config.vocab.min_count = 2;
  return config;
}

size_t files_in(const std::string& d) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator(d)) n += e.is_regular_file();
  return n;
}

TEST(TokenCache, PrepareCorpusBuildsThenReusesTheCache) {
  TempDir dir;
  write_file(dir.file("c.txt"), "the cat sat\nthe cat ran far\nthe end\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  config.vocab.save = dir.file("saved.vocab");
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(p.vocab.words(), (std::vector<std::string>{"the", "cat"}));
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 1, B, 0, 1, B, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 9u);
  EXPECT_EQ(p.tokens.words(), 5u);
  EXPECT_EQ(read_file(dir.file("saved.vocab")), "the 3\ncat 2\n");
  EXPECT_EQ(files_in(config.data.cache_dir), 2u);  // STEM.vocab and STEM.tokens
  std::string cached;
  for (const auto& e : fs::directory_iterator(config.data.cache_dir))
    if (e.path().extension() == ".tokens") cached = e.path().string();
  struct stat before;
  ASSERT_EQ(::stat(cached.c_str(), &before), 0);

  // Second run: a cache hit (the same file, not rebuilt), same result.
  PreparedCorpus again = prepare_corpus(config);
  EXPECT_EQ(tokens_of(again.tokens), tokens_of(p.tokens));
  EXPECT_EQ(again.vocab.words(), p.vocab.words());
  EXPECT_EQ(files_in(config.data.cache_dir), 2u);
  struct stat after;
  ASSERT_EQ(::stat(cached.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);

  // A different min_count is a different cache.
  config.vocab.min_count = 1;
  PreparedCorpus all = prepare_corpus(config);
  EXPECT_EQ(all.vocab.size(), 6u);
  EXPECT_EQ(files_in(config.data.cache_dir), 4u);

  // A changed corpus file is a different cache too.
  config.vocab.min_count = 2;
  write_file(dir.file("c.txt"), "dog dog dog bird\n");
  PreparedCorpus changed = prepare_corpus(config);
  EXPECT_EQ(changed.vocab.words(), (std::vector<std::string>{"dog"}));
  EXPECT_EQ(files_in(config.data.cache_dir), 6u);
}

TEST(TokenCache, FirstRunSinglePassMatchesBuildFromVocab) {
  // prepare_corpus counts and encodes in one pass, renumbering afterwards; the result must be
  // what build() makes from the finished vocab (OOV words dropped, empty sentences dropped).
  TempDir dir;
  std::mt19937 rng(21);
  std::string text;
  for (int line = 0; line < 4000; ++line) {
    int n = static_cast<int>(rng() % 200);
    for (int i = 0; i < n; ++i) {
      uint32_t r = rng() % 5000;
      text += "w" + std::to_string(r * r / 5000) + (i % 17 ? " " : "\xC3\xA9 ");  // skewed counts
    }
    text += line % 7 ? "\n" : "\r\n";
  }
  for (int i = 0; i < 3000; ++i) text += "oov" + std::to_string(i) + "\n";  // lines left empty
  write_xz(dir.file("c.xz"), text);
  Config config = small_config(dir, {dir.file("c.xz")});
  config.vocab.min_count = 3;
  config.data.max_sentence_length = 50;
  PreparedCorpus p = prepare_corpus(config);
  ASSERT_GT(p.vocab.size(), 100u);
  TokenCache::build({dir.file("c.xz")}, p.vocab, config.data, dir.file("ref.tokens"));
  TokenCache ref = TokenCache::open(dir.file("ref.tokens"));
  ASSERT_GT(ref.size(), size_t{1} << 18);  // more than one renumbering chunk
  EXPECT_LT(ref.words(), ref.raw_words());
  EXPECT_EQ(p.tokens.size(), ref.size());
  EXPECT_TRUE(tokens_of(p.tokens) == tokens_of(ref));
  EXPECT_EQ(p.tokens.words(), ref.words());
  EXPECT_EQ(p.tokens.raw_words(), ref.raw_words());
  auto counts = count_words({dir.file("c.xz")}, 50, 100);
  EXPECT_EQ(Vocab::from_counts(counts, 3, 0).words(), p.vocab.words());
}

TEST(TokenCache, CorruptCachedFileIsRebuilt) {
  TempDir dir;
  write_file(dir.file("c.txt"), "x y x\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  prepare_corpus(config);
  for (const auto& e : fs::directory_iterator(config.data.cache_dir))
    if (e.path().extension() == ".tokens") fs::resize_file(e.path(), 66);
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 0, B}));
}

TEST(TokenCache, ReadVocabIsUsedAndKeysTheCache) {
  TempDir dir;
  write_file(dir.file("c.txt"), "a b c a\n");
  write_file(dir.file("v.txt"), "c 10\nb 1\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  config.vocab.read = dir.file("v.txt");
  PreparedCorpus p = prepare_corpus(config);
  EXPECT_EQ(p.vocab.words(), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{1, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 4u);
  write_file(dir.file("v.txt"), "a 10\nc 1\n");  // same size, new content
  PreparedCorpus q = prepare_corpus(config);
  EXPECT_EQ(tokens_of(q.tokens), (std::vector<uint32_t>{0, 1, 0, B}));
}

TEST(TokenCache, PrepareToPrefixAndLoadIt) {
  TempDir dir;
  write_file(dir.file("c.txt"), "u v u\nv u w\n");
  Config config = small_config(dir, {dir.file("c.txt")});
  prepare_to_prefix(config, dir.file("out/prep"));
  EXPECT_EQ(read_file(dir.file("out/prep.vocab")), "u 3\nv 2\n");
  Config use;
  use.data.tokens = dir.file("out/prep");
  PreparedCorpus p = prepare_corpus(use);
  EXPECT_EQ(tokens_of(p.tokens), (std::vector<uint32_t>{0, 1, 0, B, 1, 0, B}));
  EXPECT_EQ(p.tokens.raw_words(), 6u);
  // A vocab that does not belong to the tokens is an error naming the file.
  write_file(dir.file("out/prep.vocab"), "u 3\nv 2\nw 1\n");
  std::string err = error_of([&] { prepare_corpus(use); });
  EXPECT_NE(err.find("prep.tokens: made with a vocab of 2 words"), std::string::npos) << err;
  write_file(dir.file("out/prep.vocab"), "u 3\nv 1\n");  // same size, other counts
  err = error_of([&] { prepare_corpus(use); });
  EXPECT_NE(err.find("prep.tokens"), std::string::npos) << err;
}

TEST(TokenCache, EmptyCorpusAndEmptyVocabAreErrors) {
  TempDir dir;
  write_file(dir.file("empty.txt"), "\n\n");
  std::string err = error_of([&] { prepare_corpus(small_config(dir, {dir.file("empty.txt")})); });
  EXPECT_NE(err.find("empty.txt"), std::string::npos) << err;
  write_file(dir.file("rare.txt"), "a b c\n");
  Config config = small_config(dir, {dir.file("rare.txt")});
  config.vocab.min_count = 5;
  err = error_of([&] { prepare_corpus(config); });
  EXPECT_NE(err.find("rare.txt"), std::string::npos) << err;
  EXPECT_NE(err.find("lower vocab.min_count"), std::string::npos) << err;
  err = error_of([&] { prepare_corpus(small_config(dir, {dir.file("absent.txt")})); });
  EXPECT_NE(err.find("absent.txt"), std::string::npos) << err;
}

}  // namespace
}  // namespace gemmvec
