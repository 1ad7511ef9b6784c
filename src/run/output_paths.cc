// gemmvec: the inputs and outputs of a run, and the checks that keep an output off an input and
// off another output, and find an unwritable folder in the first second rather than after hours
// of training.
#include "run/output_paths.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "base/atomic_file.h"
#include "base/file_errors.h"
#include "gemmvec/errors.h"
#include "gemmvec/trainer.h"

namespace gemmvec {
namespace {

namespace fs = std::filesystem;

void add(std::vector<KeyedPath>& to, const std::string& key, const std::string& path) {
  if (!path.empty()) to.push_back({key, path});
}

// The absolute path with symlinks resolved as far as the path exists.
std::string resolved(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  return ec ? fs::absolute(path).lexically_normal().string() : p.string();
}

bool same_file(const std::string& output, const std::string& input) {
  struct stat out, in;
  const bool out_exists = ::stat(output.c_str(), &out) == 0;
  const bool in_exists = ::stat(input.c_str(), &in) == 0;
  if (out_exists && in_exists) {
    // Only a regular input is lost by writing over it: a corpus read from /dev/stdin and
    // vectors written to /dev/stdout may well be the same terminal, and that harms nothing.
    return S_ISREG(in.st_mode) && out.st_dev == in.st_dev && out.st_ino == in.st_ino;
  }
  return !out_exists && !in_exists && resolved(output) == resolved(input);
}

// Creates `dir` and checks a file can be created in it (W_OK and X_OK: a temporary is created
// there and renamed onto the output), so a read-only folder is found before the corpus is read,
// not when `what` is written. Errors name the key and the folder.
void check_folder(const std::string& key, const std::string& dir, const std::string& what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw InputError(fmt::format("{}: cannot create the folder {} for {}: {} (check the path and its permissions)",
                                 key, dir, what, ec.message()));
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw InputError(fmt::format("{}: the folder {} is not writable ({}), so {} cannot be written there (check its "
                                 "permissions or write elsewhere)", key, dir, std::strerror(errno), what));
}

// The folder an output is written into exists (or is created) and can be written.
void check_writable(const KeyedPath& out) {
  const OutputTarget target = resolve_output(out.path);
  if (target.in_place) {  // a device or FIFO, written where it is
    if (::access(target.path.c_str(), W_OK) != 0)
      throw InputError(fmt::format("{}: {} is not writable: {} (check its permissions or write elsewhere)", out.key,
                                   out.path, std::strerror(errno)));
    return;
  }
  std::error_code ec;
  if (fs::is_directory(target.path, ec))
    throw InputError(fmt::format("{}: {} is a directory, not a file (name a file in it)", out.key, out.path));
  const std::string folder = folder_of(target.path);
  check_folder(out.key, folder, out.path);
  // Its temporary, NAME.tmp.XXXXXX, must fit the folder's file-name limit too.
  const size_t name = fs::path(target.path).filename().string().size();
  const long name_max = ::pathconf(folder.c_str(), _PC_NAME_MAX);
  if (name_max > 0 && name + kTemporarySuffixBytes > static_cast<size_t>(name_max))
    throw InputError(fmt::format("{}: the file name of {} is {} bytes, too long to write beside it as NAME.tmp.XXXXXX "
                                 "({} bytes at most here; choose a name of {} bytes or fewer)",
                                 out.key, out.path, name, name_max, name_max - static_cast<long>(kTemporarySuffixBytes)));
}

}  // namespace

std::vector<KeyedPath> run_inputs(const Config& config, const std::string& config_file) {
  std::vector<KeyedPath> in;
  for (const std::string& path : config.data.corpus) add(in, "data.corpus", path);
  if (!config.data.tokens.empty()) {
    add(in, "data.tokens", config.data.tokens + ".vocab");
    add(in, "data.tokens", config.data.tokens + ".tokens");
  }
  add(in, "vocab.read", config.vocab.read);
  for (const std::string& path : config.eval.analogy) add(in, "eval.analogy", path);
  for (const std::string& path : config.eval.similarity) add(in, "eval.similarity", path);
  for (const std::string& path : config.eval.heldout) add(in, "eval.heldout", path);
  add(in, "the config file", config_file);
  return in;
}

std::vector<KeyedPath> run_outputs(const Config& config) {
  std::vector<KeyedPath> out;
  const std::string& path = config.output.path;
  add(out, "output.path", path);
  const bool sidecars = writes_sidecars(config);
  if (sidecars && config.output.format == "both") add(out, "output.path's .txt copy", text_twin_path(path));
  if (sidecars && config.output.save_output) {
    add(out, "output.save_output's output layer", output_layer_path(path));
    if (config.output.format == "both")
      add(out, "output.save_output's .txt copy", text_twin_path(output_layer_path(path)));
  }
  add(out, "output.vocab", config.output.vocab);
  add(out, "output.metrics", config.output.metrics);
  add(out, "vocab.save", config.vocab.save);
  add(out, config.output.checkpoint.empty() ? "output.path's checkpoint" : "output.checkpoint", checkpoint_path(config));
  if (sidecars && config.output.save_config) add(out, "output.path's config copy", path + ".yaml");
  if (sidecars) add(out, "output.path's report", path + ".json");
  return out;
}

std::vector<KeyedPath> prepare_outputs(const Config& config, const std::string& prefix) {
  std::vector<KeyedPath> out;
  add(out, "--out", prefix + ".vocab");
  add(out, "--out", prefix + ".tokens");
  add(out, "vocab.save", config.vocab.save);
  return out;
}

bool writes_sidecars(const Config& config) { return !resolve_output(config.output.path).in_place; }

std::string text_twin_path(const std::string& output_path) {
  return fs::path(output_path).replace_extension(".txt").string();
}

std::string output_layer_path(const std::string& output_path) {
  const fs::path p(output_path);
  return fs::path(p).replace_extension(".out" + p.extension().string()).string();
}

std::string checkpoint_path(const Config& config) {
  if (!config.output.checkpoint.empty()) return config.output.checkpoint;
  return writes_sidecars(config) ? config.output.path + ".ckpt" : "";
}

void check_input_files(const std::vector<KeyedPath>& inputs) {
  for (const KeyedPath& in : inputs) require_input_file(in.path, in.key);
}

void check_output_paths(const std::vector<KeyedPath>& inputs, const std::vector<KeyedPath>& outputs) {
  const auto refuse_same = [](const KeyedPath& out, const KeyedPath& other) {
    if (same_file(out.path, other.path))
      throw UsageError(fmt::format("{} ({}) is the same file as {} ({}): choose another output", out.key, out.path,
                                   other.key, other.path));
  };
  for (const KeyedPath& out : outputs)
    for (const KeyedPath& in : inputs) refuse_same(out, in);
  // Two outputs written to one file: the later write would replace the earlier.
  for (size_t i = 0; i < outputs.size(); ++i)
    for (size_t j = 0; j < i; ++j) refuse_same(outputs[i], outputs[j]);
  for (const KeyedPath& out : outputs) check_writable(out);
}

void check_cache_folder(const Config& config) {
  if (!config.data.corpus.empty()) check_folder("data.cache_dir", config.data.cache_dir, "the token cache");
}

}  // namespace gemmvec
