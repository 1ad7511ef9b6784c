// gemmvec fuzzing: writes a few tiny valid inputs per fuzz target into DIR/<target>/, with the
// project's own writers, so the binary formats' seeds always match this build:
//   gemmvec_fuzz_seeds DIR
// fuzz/corpus/ holds a copy made this way (plus hand-written text inputs).
#include <lzma.h>
#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "gemmvec/checkpoint.h"
#include "gemmvec/config.h"
#include "data/token_cache.h"
#include "gemmvec/vectors_io.h"
#include "data/vocab.h"
#include "../tests/count_oracle.h"

namespace fs = std::filesystem;
using namespace std::string_literals;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0)
    throw std::runtime_error("cannot write " + path.string());
}

std::string read(const fs::path& path) {
  std::string s;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot read " + path.string());
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

std::string gzip(const std::string& text) {
  std::vector<Bytef> out(compressBound(text.size()) + 32);
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // +16: gzip wrapper
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  std::string s(reinterpret_cast<char*>(out.data()), z.total_out);
  deflateEnd(&z);
  return s;
}

std::string xz(const std::string& text) {
  std::vector<uint8_t> out(lzma_stream_buffer_bound(text.size()));
  size_t pos = 0;
  lzma_easy_buffer_encode(0, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
                          text.size(), out.data(), &pos, out.size());
  return std::string(reinterpret_cast<char*>(out.data()), pos);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const fs::path dir = argv[1];
  const fs::path tmp = dir / ".tmp";
  fs::create_directories(tmp);
  const std::string text = "the quick brown fox\njumps over the lazy dog\n\nthe dog sleeps\tnaïve café\n";

  // corpus_reader: two bytes of limits, then the file.
  write(dir / "corpus_reader/plain", std::string("\x03\x04", 2) + text);
  write(dir / "corpus_reader/gzip", std::string("\x07\x07", 2) + gzip(text));
  write(dir / "corpus_reader/xz", std::string("\x02\x01", 2) + xz(text));
  write(dir / "corpus_reader/long-line", std::string("\x00\x02", 2) + "a bb ccc dddd ééé 日本語 x y z");

  // config: the full template and a small experiment.
  write(dir / "config/template.yaml", gemmvec::config_template());
  write(dir / "config/small.yaml",
        "data:\n  corpus: [a.txt, b.txt.xz]\nmodel:\n  type: cbow\n  dim: 16\ntrain:\n  epochs: 2\n  "
        "backend: cpu\neval:\n  analogy: [q.txt]\n");
  write(dir / "config/overrides", "model:\n  dim: 8\n"s + '\0' + "model.window=3\ntrain.threads=2\n");

  // vectors: the same three words in both formats (first byte: 0 names it .bin, 1 .txt).
  gemmvec::WordVectors v;
  v.words = {"</s>", "the", "naïve"};
  v.dim = 3;
  v.data = {0.5f, -1.25f, 3.0f, 0.f, 1e-3f, -2.f, 7.f, 8.f, 9.5f};
  gemmvec::save_word2vec_binary((tmp / "v.bin").string(), v);
  gemmvec::save_word2vec_text((tmp / "v.txt").string(), v);
  write(dir / "vectors/bin", std::string(1, '\0') + read(tmp / "v.bin"));
  write(dir / "vectors/txt", std::string(1, '\1') + read(tmp / "v.txt"));

  // vocab, token cache: from a tiny corpus.
  write(tmp / "corpus.txt", text);
  gemmvec::Vocab vocab = gemmvec::Vocab::from_counts(
      gemmvec::test::count_words({(tmp / "corpus.txt").string()}, 1000, 100), 1, 0);
  vocab.save((tmp / "words.vocab").string());
  write(dir / "vocab/words.vocab", read(tmp / "words.vocab"));
  write(dir / "vocab/counts.vocab", "</s> 10\nthe 3\ndog 2\n");
  write(tmp / "fixed.vocab", gemmvec_fuzz::kTokenCacheVocab);
  const gemmvec::Vocab fixed = gemmvec::Vocab::load((tmp / "fixed.vocab").string());
  gemmvec::DataConfig data;
  data.cache_dir = tmp.string();
  gemmvec::TokenCache::build({(tmp / "corpus.txt").string()}, fixed, data, (tmp / "corpus.tokens").string());
  write(dir / "token_cache/corpus.tokens", read(tmp / "corpus.tokens"));

  // checkpoint: a small model part way through its second epoch.
  gemmvec::Checkpoint c;
  c.config_yaml = "model:\n  dim: 2\n";
  c.backend = "cpu";
  c.cursor.epoch = 1;
  c.cursor.shards = {3, 17};
  c.words_done = 40;
  c.loss_sum = 12.5;
  c.loss_pairs = 30;
  c.train_seconds = 0.25;
  c.stream_tokens = 20;
  c.stream_words = 16;
  c.model.rows = 3;
  c.model.dim = 2;
  c.model.in = {1, 2, 3, 4, 5, 6};
  c.model.out = {0, 0, 0.5f, 0, 0, -1};
  gemmvec::save_checkpoint((tmp / "run.ckpt").string(), c);
  write(dir / "checkpoint/run.ckpt", read(tmp / "run.ckpt"));

  fs::remove_all(tmp);
  return 0;
}
