// gemmvec Python binding: train() and resume() over the core's run (include/gemmvec/trainer.h),
// with the GIL released while it trains, progress samples handed to a Python function, Ctrl-C
// turned into a checkpoint and gemmvec._core.Interrupted, and the trained vectors handed back.
#include <csignal>
#include <filesystem>
#include <optional>
#include <tuple>

#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include "base/interrupt.h"
#include "bindings.h"
#include "config/config_keys.h"
#include "gemmvec/trainer.h"
#include "interrupted.h"
#include "vectors.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace gemmvec::py {
namespace {

// (key, value as text, where it came from for errors): one setting from a dict or a keyword.
using Setting = std::tuple<std::string, std::string, std::string>;

Config build_config(const std::string& file, const std::vector<Setting>& settings) {
  Config config = file.empty() ? Config{} : load_config(file);
  for (const auto& [key, value, where] : settings) set_value(config, key, value, where);
  validate(config);
  return config;
}

// Samples go to a Python function on_sample(metrics_json, final). If it raises, the run stops as
// on Ctrl-C (a checkpoint is written) and its exception is raised in place of Interrupted.
class PythonSink final : public ProgressSink {
 public:
  explicit PythonSink(nb::object fn) : fn_(std::move(fn)) {}
  void update(const ProgressSample& s) override {
    if (error_) return;
    nb::gil_scoped_acquire gil;
    try {
      fn_(metrics_json(s), s.final);
    } catch (nb::python_error& e) {
      error_.emplace(std::move(e));
      std::raise(SIGINT);  // the run's handler records it: checkpoint, then Interrupted
    }
  }
  // With the GIL held: the callback's error, if any, raised now (noting the checkpoint it left).
  void rethrow(const std::string& checkpoint) {
    if (!error_) return;
    nb::python_error e = std::move(*error_);
    error_.reset();
    if (!checkpoint.empty()) {
      // gemmvec.train keeps the run's folder (the checkpoint is in it) for an error marked so.
      PyObject_SetAttrString(e.value().ptr(), "gemmvec_checkpoint", nb::str(checkpoint.c_str()).ptr());
      PyErr_Clear();  // an exception that takes no attributes keeps only the note
      if (nb::hasattr(e.value(), "add_note"))
        e.value().attr("add_note")("gemmvec: training stopped; checkpoint written to " + checkpoint);
    }
    throw e;
  }

 private:
  nb::object fn_;
  std::optional<nb::python_error> error_;
};

std::tuple<Vectors, nb::dict> run(const Config& config, Checkpoint* resume, const std::string& config_file,
                                     const nb::object& on_sample, bool terminal_progress) {
  std::optional<PythonSink> sink;
  RunHooks hooks;
  hooks.terminal_progress = terminal_progress;
  if (!on_sample.is_none()) hooks.sinks.push_back(&sink.emplace(on_sample));
  WordVectors vectors;
  hooks.vectors = &vectors;
  RunSummary summary;
  try {
    nb::gil_scoped_release release;
    // Around the whole run, reading the corpus included: Ctrl-C then stops it at the first
    // pause, with a checkpoint, instead of waiting in Python's handler until training ends.
    const InterruptHandlers handlers;
    summary = train(config, resume, config_file, hooks);
  } catch (const Interrupted& e) {
    // None when no checkpoint was kept: a device output, or a signal while scoring (the vectors
    // are written then, and the run's checkpoint removed).
    std::error_code ec;
    const std::string kept = std::filesystem::is_regular_file(checkpoint_path(config), ec) ? checkpoint_path(config) : "";
    if (sink) sink->rethrow(kept);
    throw InterruptedRun(e.what(), kept, e.signal);
  } catch (...) {
    if (sink) sink->rethrow("");
    throw;
  }
  if (sink) sink->rethrow("");
  nb::dict report;
  report["backend"] = summary.backend;
  report["train_seconds"] = summary.train_seconds;
  report["total_seconds"] = summary.total_seconds;
  report["raw_words"] = summary.raw_words;
  report["words_per_second"] = summary.words_per_second;
  report["final_loss"] = summary.final_loss;
  report["mean_loss"] = summary.mean_loss;
  return {Vectors(std::move(vectors)), report};
}

}  // namespace

void bind_training(nb::module_& m) {
  m.def(
      "train",
      [](const std::string& config_file, const std::vector<Setting>& settings, const nb::object& on_sample,
         bool terminal_progress) {
        const Config config = build_config(config_file, settings);
        return run(config, nullptr, config_file, on_sample, terminal_progress);
      },
      "config_file"_a, "settings"_a, "on_sample"_a = nb::none(), "terminal_progress"_a = true,
      "Trains as the config file (or the defaults) and the settings say; returns (Vectors, summary dict).");
  m.def(
      "resume",
      [](const std::string& checkpoint_file, const nb::object& on_sample, bool terminal_progress) {
        Checkpoint checkpoint = load_checkpoint(checkpoint_file);
        Config config = parse_config(checkpoint.config_yaml, checkpoint_file);
        if (config.output.checkpoint.empty() && checkpoint_path(config) != checkpoint_file)
          config.output.checkpoint = checkpoint_file;
        validate(config);
        return run(config, &checkpoint, "", on_sample, terminal_progress);
      },
      "checkpoint"_a, "on_sample"_a = nb::none(), "terminal_progress"_a = true,
      "Continues the run a checkpoint holds, as `gemmvec train --resume` does.");
  m.def(
      "resolve_config",
      [](const std::string& config_file, const std::vector<Setting>& settings) {
        return to_yaml(build_config(config_file, settings));
      },
      "config_file"_a, "settings"_a, "The resolved config as YAML; raises ValueError for a bad key or value.");
  m.def(
      "config_keys",
      [] {
        std::vector<std::string> names;
        for (const config_keys::Key& k : config_keys::keys()) names.push_back(k.name);
        return names;
      },
      "Every config key, as section.key.");
  m.def("closest_match", &closest_match, "word"_a, "candidates"_a,
        "The candidate closest to word by edit distance ('' when there are none).");
}

}  // namespace gemmvec::py
