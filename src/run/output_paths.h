// gemmvec: the files a run reads and writes, each named by the key it came from, and the checks
// made on them before anything is read: no output is one of the inputs or another output, and
// every output's folder (and the token cache's) exists (or is created) and can be written.
#pragma once
#include <string>
#include <vector>

#include "gemmvec/config.h"

namespace gemmvec {

struct KeyedPath {
  std::string key;   // "data.corpus", "output.path", "the config file", ...
  std::string path;  // as given
};

// data.corpus, data.tokens (PREFIX.vocab and PREFIX.tokens), vocab.read, eval.analogy,
// eval.similarity, eval.heldout, and `config_file` when the run came from one ("" otherwise).
std::vector<KeyedPath> run_inputs(const Config& config, const std::string& config_file);

// output.path, its .txt twin (output.format both), output.vocab, output.metrics, vocab.save,
// the checkpoint, PATH.yaml (output.save_config) and PATH.json. The files named after
// output.path are left out when writes_sidecars() is false.
std::vector<KeyedPath> run_outputs(const Config& config);

// `gemmvec prepare ... --out PREFIX`: PREFIX.vocab, PREFIX.tokens and vocab.save.
std::vector<KeyedPath> prepare_outputs(const Config& config, const std::string& prefix);

// False when output.path exists and is not a regular file (/dev/null, /dev/full, a FIFO): it is
// written in place, and nothing named after it (PATH.yaml, PATH.json, PATH.ckpt, the .txt
// twin) is written beside it, so `-output /dev/null` never creates files in /dev.
bool writes_sidecars(const Config& config);

// output.path with its extension replaced by .txt: the text copy of output.format both.
std::string text_twin_path(const std::string& output_path);
// Where output.save_output writes the output layer: ".out" before the extension
// (vectors.bin -> vectors.out.bin, vectors -> vectors.out).
std::string output_layer_path(const std::string& output_path);

// Before any work: every input exists and can be read (base/file_errors.h's one-line errors
// naming the key), so a typo in an eval path is found now, not after hours of training.
void check_input_files(const std::vector<KeyedPath>& inputs);

// Before any work: throws UsageError when an output is the same file as an input or as another
// output (same device and inode once symlinks are resolved, or for files not there yet the same
// absolute path), naming both keys; then creates every output's folder and throws InputError
// naming the key and the folder when one cannot be created or written.
void check_output_paths(const std::vector<KeyedPath>& inputs, const std::vector<KeyedPath>& outputs);

// Before any corpus is read: data.cache_dir (used when data.corpus is set) exists or is created
// and can be written, else InputError naming the key and the folder.
void check_cache_folder(const Config& config);

}  // namespace gemmvec
