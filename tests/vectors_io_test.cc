// gemmvec tests: word2vec binary/text vector files (layout, round trips, errors, gensim).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>

#include "gemmvec/config.h"
#include "base/atomic_file.h"
#include "gemmvec/vectors_io.h"
#include "gensim_python.h"
#include "test_files.h"

namespace gemmvec {
namespace {

// A fresh directory per test under gtest's temp dir.
std::string make_temp_dir() {
  std::string tmpl = ::testing::TempDir() + "gemmvec_vectors_XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr) << std::strerror(errno);
  return tmpl;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// Words of varied lengths (UTF-8 included), values of varied magnitude and sign, never all zero.
WordVectors random_vectors(size_t n, uint32_t dim, uint32_t seed) {
  WordVectors v;
  v.dim = dim;
  const char* base[] = {"the", "of", "Paris", "naïve", "x", "word2vec", "</s>", "zürich", "a_b", "123"};
  for (size_t i = 0; i < n; ++i) v.words.push_back(std::string(base[i % 10]) + (i >= 10 ? std::to_string(i) : ""));
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.3f);
  v.data.resize(n * dim);
  for (auto& x : v.data) x = nd(rng);
  return v;
}

std::string append_float(std::string s, float f) {
  char b[4];
  std::memcpy(b, &f, 4);  // the test host is little-endian, as the format
  return s.append(b, 4);
}

class VectorsIoTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = make_temp_dir(); }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string dir_;
};

TEST_F(VectorsIoTest, BinaryLayoutIsWord2vecs) {
  WordVectors v;
  v.dim = 2;
  v.words = {"a", "bc"};
  v.data = {1.0f, -2.5f, 0.0f, 3.25f};
  save_word2vec_binary(path("v.bin"), v);
  std::string want = "2 2\n";
  want = append_float(append_float(want + "a ", 1.0f), -2.5f) + "\n";
  want = append_float(append_float(want + "bc ", 0.0f), 3.25f) + "\n";
  EXPECT_EQ(read_all(path("v.bin")), want);
  // The actual bytes of one float, so a byte-order slip cannot hide behind the helper.
  const std::string bytes = read_all(path("v.bin"));
  EXPECT_EQ(bytes.substr(6, 4), std::string("\x00\x00\x80\x3f", 4));  // 1.0f little-endian
}

TEST_F(VectorsIoTest, TextLayoutIsWord2vecs) {
  WordVectors v;
  v.dim = 3;
  v.words = {"a", "bc"};
  v.data = {1.0f, -2.5f, 0.1f, 0.0f, 1e-7f, -1234.5f};
  save_word2vec_text(path("v.txt"), v);
  // word2vec.c: "%s " then "%lf " per value then "\n" (a space before the newline).
  EXPECT_EQ(read_all(path("v.txt")),
            "2 3\n"
            "a 1.000000 -2.500000 0.100000 \n"
            "bc 0.000000 0.000000 -1234.500000 \n");
}

TEST_F(VectorsIoTest, TextValuesMatchPrintfByteForByte) {
  // The writer formats without printf; it must print what "%lf " prints, ties and all.
  std::vector<float> values = {0.0f, -0.0f, 1e-9f, -1e-9f, 4.9e-7f, 5e-7f, -5e-7f, 5.1e-7f, 0.0078125f /* tie */,
                               -0.0078125f, 0.5f, 2.5e-6f, 1.5e-6f, 123456.789f, -2147483520.0f, 2147483648.0f,
                               3e9f, -1e30f, 3.4e38f, 1.4e-45f, std::numeric_limits<float>::infinity(),
                               -std::numeric_limits<float>::infinity()};
  for (int k = -300; k <= 300; ++k) values.push_back(std::ldexp(static_cast<float>(k), -7));   // halfway cases
  for (int k = -300; k <= 300; ++k) values.push_back(std::ldexp(static_cast<float>(k), -21));  // below 1e-6
  std::mt19937 rng(9);
  std::uniform_int_distribution<uint32_t> bits;
  for (int i = 0; i < 20000; ++i) {
    const uint32_t u = bits(rng);
    float f;
    std::memcpy(&f, &u, 4);
    if (!std::isnan(f)) values.push_back(f);
  }
  WordVectors v;
  v.dim = static_cast<uint32_t>(values.size());
  v.words = {"w"};
  v.data = values;
  save_word2vec_text(path("v.txt"), v);
  std::string want = "1 " + std::to_string(values.size()) + "\nw ";
  char num[512];
  for (float f : values) want.append(num, static_cast<size_t>(std::snprintf(num, sizeof num, "%lf ", double{f})));
  want += "\n";
  const std::string got = read_all(path("v.txt"));
  ASSERT_EQ(got.size(), want.size());
  EXPECT_TRUE(got == want) << "first difference at byte "
                           << std::mismatch(got.begin(), got.end(), want.begin()).first - got.begin();
}

TEST_F(VectorsIoTest, BinaryRoundTripIsExact) {
  const WordVectors v = random_vectors(57, 13, 1);
  save_word2vec_binary(path("v.bin"), v);
  const WordVectors r = load_word2vec(path("v.bin"));
  EXPECT_EQ(r.dim, v.dim);
  EXPECT_EQ(r.words, v.words);
  ASSERT_EQ(r.data.size(), v.data.size());
  for (size_t i = 0; i < v.data.size(); ++i) ASSERT_EQ(r.data[i], v.data[i]) << i;
}

TEST_F(VectorsIoTest, TextRoundTripToPrintedPrecision) {
  const WordVectors v = random_vectors(57, 13, 2);
  save_word2vec_text(path("v.txt"), v);
  const WordVectors r = load_word2vec(path("v.txt"));
  EXPECT_EQ(r.dim, v.dim);
  EXPECT_EQ(r.words, v.words);
  ASSERT_EQ(r.data.size(), v.data.size());
  // %lf prints 6 decimals: half a unit of the last place, plus float rounding on the way back.
  for (size_t i = 0; i < v.data.size(); ++i) ASSERT_NEAR(r.data[i], v.data[i], 5e-7 + 1e-7 * std::fabs(v.data[i])) << i;
}

TEST_F(VectorsIoTest, EmptyVocabularyRoundTrips) {
  WordVectors v;
  v.dim = 4;
  save_word2vec_binary(path("v.bin"), v);
  EXPECT_EQ(read_all(path("v.bin")), "0 4\n");
  const WordVectors r = load_word2vec(path("v.bin"));
  EXPECT_EQ(r.dim, 4u);
  EXPECT_TRUE(r.words.empty());
}

TEST_F(VectorsIoTest, ReadsBinaryWithoutRowNewlines) {
  // gensim writes no '\n' after each binary row; CRLF-free text tools sometimes drop the last.
  std::string bytes = "2 2\n";
  bytes = append_float(append_float(bytes + "a ", 1.5f), 2.0f);
  bytes = append_float(append_float(bytes + "b ", -1.0f), 0.25f);
  write_raw(path("g.bin"), bytes);
  const WordVectors r = load_word2vec(path("g.bin"));
  EXPECT_EQ(r.words, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r.data, (std::vector<float>{1.5f, 2.0f, -1.0f, 0.25f}));
}

TEST_F(VectorsIoTest, ReadsBinaryWhoseFloatBytesLookLikeText) {
  // Raw float bytes that include spaces, newlines and digits must not fool the detection.
  float tricky;
  std::memcpy(&tricky, "1 \n2", 4);
  std::string bytes = "1 3\n";
  bytes = append_float(append_float(append_float(bytes + "w ", tricky), 3.0f), tricky) + "\n";
  write_raw(path("t.bin"), bytes);
  const WordVectors r = load_word2vec(path("t.bin"));
  ASSERT_EQ(r.data.size(), 3u);
  EXPECT_EQ(std::memcmp(&r.data[0], "1 \n2", 4), 0);
  EXPECT_EQ(r.data[1], 3.0f);
}

TEST_F(VectorsIoTest, FileThatReadsWholeInBothFormatsTakesItsNamesFormat) {
  // Every float's bytes are "0.50": each binary row is also a valid text row "w 0.50".
  float digits;
  std::memcpy(&digits, "0.50", 4);
  const std::string bytes = append_float("2 1\nw ", digits) + "\n" + append_float("v ", digits) + "\n";
  for (const std::string name : {"a.bin", "a.txt", "a.vec", "a"}) write_raw(path(name), bytes);
  const WordVectors bin = load_word2vec(path("a.bin"));
  ASSERT_EQ(bin.data.size(), 2u);
  EXPECT_EQ(std::memcmp(&bin.data[1], "0.50", 4), 0);
  for (const std::string name : {"a.txt", "a.vec", "a"}) {
    const WordVectors text = load_word2vec(path(name));
    EXPECT_EQ(text.words, (std::vector<std::string>{"w", "v"})) << name;
    EXPECT_EQ(text.data, (std::vector<float>{0.5f, 0.5f})) << name;
  }
  // A binary copy reads back bit for bit.
  save_word2vec_binary(path("copy.bin"), bin);
  EXPECT_EQ(load_word2vec(path("copy.bin")).data, bin.data);
  // A name only breaks ties: a text file called .bin (which is not also whole binary) reads as text.
  write_raw(path("t.bin"), "1 2\nw 0.250000 -1.000000 \n");
  EXPECT_EQ(load_word2vec(path("t.bin")).data, (std::vector<float>{0.25f, -1.0f}));
}

TEST_F(VectorsIoTest, ReadsLooseText) {
  // Tabs, CRLF, no trailing space, no final newline, a '+' sign and an exponent.
  write_raw(path("l.txt"), "2 3\r\nfoo\t1 +2.5 -3e-1\r\nbar 0.5 0.25 1E2");
  const WordVectors r = load_word2vec(path("l.txt"));
  EXPECT_EQ(r.words, (std::vector<std::string>{"foo", "bar"}));
  EXPECT_EQ(r.data, (std::vector<float>{1.0f, 2.5f, -0.3f, 0.5f, 0.25f, 100.0f}));
}

// Loads `bytes` from a file and returns the InputError's message ("" if none was thrown).
std::string load_error(const std::string& file, const std::string& bytes) {
  write_raw(file, bytes);
  try {
    load_word2vec(file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(VectorsIoTest, TruncatedBinaryNamesFileAndRow) {
  const WordVectors v = random_vectors(5, 8, 3);
  save_word2vec_binary(path("v.bin"), v);
  const std::string full = read_all(path("v.bin"));
  // Cut inside the fourth row's floats, then inside its word, then before it.
  const size_t row = 4 + 0;  // header "5 8\n"
  size_t start4 = row;
  for (int i = 0; i < 3; ++i) start4 += v.words[i].size() + 1 + 8 * 4 + 1;
  const std::string f = path("cut.bin");
  std::string msg = load_error(f, full.substr(0, start4 + v.words[3].size() + 1 + 10));
  EXPECT_NE(msg.find(f), std::string::npos) << msg;
  EXPECT_NE(msg.find("row 4"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
  msg = load_error(f, full.substr(0, start4 + 1));
  EXPECT_NE(msg.find("row 4"), std::string::npos) << msg;
  msg = load_error(f, full.substr(0, start4));
  EXPECT_NE(msg.find("row 4"), std::string::npos) << msg;
}

TEST_F(VectorsIoTest, MalformedInputIsAnInputError) {
  const std::string f = path("bad");
  EXPECT_NE(load_error(f, "").find("empty"), std::string::npos);
  EXPECT_NE(load_error(f, "hello world\n").find("bad header"), std::string::npos);
  EXPECT_NE(load_error(f, "3\n").find("bad header"), std::string::npos);
  EXPECT_NE(load_error(f, "2 0\n").find("bad header"), std::string::npos);
  // Text: wrong number of values, named with the row and the word.
  std::string msg = load_error(f, "2 3\na 1 2 3\nb 1 2\n");
  EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'b'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 3"), std::string::npos) << msg;
  msg = load_error(f, "2 3\na 1 2 3\nb 1 2 3 4\n");
  EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
  msg = load_error(f, "2 3\na 1 2 3\nb 1 x 3\n");
  EXPECT_NE(msg.find("not a number"), std::string::npos) << msg;
  // Text, fewer rows than the header says.
  msg = load_error(f, "3 2\na 1 2\nb 1 2\n");
  EXPECT_NE(msg.find("truncated at row 3"), std::string::npos) << msg;
  // More rows than the header says.
  msg = load_error(f, "1 2\na 1 2\nb 1 2\n");
  EXPECT_NE(msg.find("after the 1 rows"), std::string::npos) << msg;
  // Missing file.
  try {
    load_word2vec(path("missing.bin"));
    ADD_FAILURE() << "no error for a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.bin"), std::string::npos);
  }
}

TEST_F(VectorsIoTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  const std::string f = path("out.txt");
  write_file_atomic(f, "first version, longer than the second\n");
  EXPECT_EQ(read_all(f), "first version, longer than the second\n");
  write_file_atomic(f, "second\n");
  EXPECT_EQ(read_all(f), "second\n");
  EXPECT_EQ(test::temporaries_of(f), std::vector<std::string>{});
  save_word2vec_binary(path("v.bin"), random_vectors(3, 2, 4));
  EXPECT_EQ(test::temporaries_of(path("v.bin")), std::vector<std::string>{});
}

TEST_F(VectorsIoTest, AtomicWriteFailureKeepsOldFile) {
  const std::string f = path("keep.txt");
  write_file_atomic(f, "old\n");
  // Writing into a directory that does not exist fails before touching anything.
  EXPECT_THROW(write_file_atomic(path("nope/x.txt"), "x"), InputError);
  // A write that fails midway (the file size limit: EFBIG, SIGXFSZ ignored) keeps the old
  // content and leaves no temporary.
  {
    struct rlimit old_limit;
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    struct sigaction ignore = {}, old_action = {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ignore, &old_action);
    struct rlimit small = old_limit;
    small.rlim_cur = 4;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
    EXPECT_THROW(write_file_atomic(f, "new content\n"), InputError);
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::sigaction(SIGXFSZ, &old_action, nullptr);
  }
  EXPECT_EQ(read_all(f), "old\n");
  EXPECT_EQ(test::temporaries_of(f), std::vector<std::string>{});
  // A full disk (the output is a link to /dev/full, written in place: a device is never
  // renamed over) is a ResourceError (exit 3) naming the file as given; the link stays.
  if (!exists("/dev/full")) GTEST_SKIP() << "/dev/full not available";
  const std::string full = path("full.txt");
  ASSERT_EQ(::symlink("/dev/full", full.c_str()), 0) << std::strerror(errno);
  try {
    write_file_atomic(full, "new content\n");
    ADD_FAILURE() << "no error writing to a full disk";
  } catch (const ResourceError& e) {
    EXPECT_EQ(std::string(e.what()), "no space left on device writing " + full + " (free space or write elsewhere)");
  }
  EXPECT_TRUE(std::filesystem::is_symlink(full));
  EXPECT_EQ(test::temporaries_of(full), std::vector<std::string>{});
}

// Runs a shell command and returns its standard output.
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) {
    *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  return out;
}

TEST_F(VectorsIoTest, GensimReadsBothFormats) {
  GEMMVEC_NEED_GENSIM();
  WordVectors v = random_vectors(20, 7, 5);
  save_word2vec_binary(path("v.bin"), v);
  save_word2vec_text(path("v.txt"), v);
  // Prints, for each format, the vocabulary size, dim, and the row of "naïve" (index 3).
  const std::string script =
      "import sys\n"
      "from gensim.models import KeyedVectors as K\n"
      "for f, b in ((sys.argv[1], True), (sys.argv[2], False)):\n"
      "    kv = K.load_word2vec_format(f, binary=b)\n"
      "    print(len(kv.index_to_key), kv.vector_size, kv.index_to_key[3] == 'na\\u00efve',\n"
      "          ' '.join(repr(float(x)) for x in kv['na\\u00efve']))\n";
  write_raw(path("check.py"), script);
  int status = 0;
  const std::string out = run("'" + test::gensim_python() + "' '" + path("check.py") + "' '" + path("v.bin") + "' '" +
                                  path("v.txt") + "' 2>&1",
                              &status);
  ASSERT_EQ(status, 0) << out;
  std::istringstream lines(out);
  for (int format = 0; format < 2; ++format) {
    std::string line;
    ASSERT_TRUE(std::getline(lines, line)) << out;
    std::istringstream ss(line);
    size_t count = 0, dim = 0;
    std::string found;
    ss >> count >> dim >> found;
    EXPECT_EQ(count, 20u) << line;
    EXPECT_EQ(dim, 7u) << line;
    EXPECT_EQ(found, "True") << line;
    for (uint32_t j = 0; j < 7; ++j) {
      double x = 0;
      ASSERT_TRUE(ss >> x) << line;
      const float want = v.row(3)[j];
      if (format == 0) {
        EXPECT_EQ(static_cast<float>(x), want) << "binary, value " << j;
      } else {
        EXPECT_NEAR(x, want, 5e-7 + 1e-7 * std::fabs(want)) << "text, value " << j;
      }
    }
  }
}

TEST_F(VectorsIoTest, ReadsGensimWrittenFiles) {
  GEMMVEC_NEED_GENSIM();
  const std::string script =
      "import sys, numpy as np\n"
      "from gensim.models import KeyedVectors as K\n"
      "kv = K(vector_size=3)\n"
      "kv.add_vectors(['alpha', 'beta', 'gamma'], np.array([[1, 2, 3], [-0.5, 0.25, 8], [0, 1e-3, -7]], dtype=np.float32))\n"
      "kv.save_word2vec_format(sys.argv[1], binary=True)\n"
      "kv.save_word2vec_format(sys.argv[2], binary=False)\n";
  write_raw(path("make.py"), script);
  int status = 0;
  const std::string out =
      run("'" + test::gensim_python() + "' '" + path("make.py") + "' '" + path("g.bin") + "' '" + path("g.txt") + "' 2>&1", &status);
  ASSERT_EQ(status, 0) << out;
  const std::vector<float> want = {1, 2, 3, -0.5f, 0.25f, 8, 0, 1e-3f, -7};
  for (const char* name : {"g.bin", "g.txt"}) {
    const WordVectors r = load_word2vec(path(name));
    EXPECT_EQ(r.words, (std::vector<std::string>{"alpha", "beta", "gamma"})) << name;
    EXPECT_EQ(r.dim, 3u) << name;
    EXPECT_EQ(r.data, want) << name;
  }
}

}  // namespace
}  // namespace gemmvec
