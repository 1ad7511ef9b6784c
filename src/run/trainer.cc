// gemmvec: a whole run: prepare the corpus, choose the backend, train (checkpointing and printing
// the watched words when asked), write the outputs, evaluate. The CLI's `train` and an embedding
// program both call train().
#include "gemmvec/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>

#include <fmt/core.h>

#include "base/interrupt.h"
#include "base/atomic_file.h"
#include "base/stderr_lines.h"
#include "data/corpus_cache.h"
#include "data/token_format.h"
#include "run/backends.h"
#include "run/checkpoint_eval.h"
#include "run/held_out.h"
#include "run/output_paths.h"
#include "run/run_control.h"
#include "run/run_outputs.h"
#include "run/watch.h"

namespace gemmvec {
namespace {

Embeddings initial_model(Checkpoint* resume, const PreparedCorpus& corpus, const TrainPlan& plan,
                         const std::string& ckpt) {
  Embeddings init = resume ? std::move(resume->model) : init_embeddings(corpus.vocab.size(), plan.dim, plan.seed);
  if (!resume && plan.output_bias) init.out_bias.assign(init.rows, 0.0f);
  if (init.out_bias.size() != (plan.output_bias ? init.rows : 0))
    throw InputError(fmt::format("{}: the checkpoint {} output biases and the run {} (resume with the model.output_bias "
                                 "it was written with)", ckpt, init.out_bias.empty() ? "has no" : "has",
                                 plan.output_bias ? "needs them" : "has none"));
  if (init.rows != corpus.vocab.size() || init.dim != plan.dim)
    throw InputError(fmt::format("{}: the checkpoint holds {} x {} matrices, the run needs {} x {} (resume with the "
                                 "data and model.dim it was written with)", ckpt, init.rows, init.dim,
                                 corpus.vocab.size(), plan.dim));
  return init;
}

RunControlOptions control_options(const Config& config, const PreparedCorpus& corpus, const TrainPlan& plan,
                                  const Checkpoint* resume, bool terminal) {
  RunControlOptions o;
  o.alpha = config.alpha();
  o.min_alpha_ratio = config.model.min_alpha_ratio;
  o.words_per_epoch = corpus.tokens.words();
  o.raw_words_per_epoch = corpus.tokens.raw_words();
  o.epochs = plan.epochs;
  o.sample_seconds = terminal ? 0.25 : config.train.progress_seconds;
  // No checkpoint path (output.path is a device): nothing to pause for but a signal.
  o.checkpoint_seconds = checkpoint_path(config).empty() ? 0 : config.train.checkpoint_minutes * 60;
  o.watch_seconds = config.train.watch.empty() ? 0 : config.train.watch_seconds;
  if (resume) {
    o.words_done = resume->words_done;
    o.loss_sum = resume->loss_sum;
    o.loss_pairs = resume->loss_pairs;
    o.seconds_before = resume->train_seconds;
  }
  return o;
}

// The data a run trains on, as the start line names it.
std::string data_name(const Config& config) {
  if (config.data.corpus.empty()) return config.data.tokens + ".tokens";
  const std::string& first = config.data.corpus.front();
  return config.data.corpus.size() == 1 ? first : fmt::format("{} and {} more", first, config.data.corpus.size() - 1);
}

// The start line: what is trained, on what, into what (before any data is read).
void print_start(const Config& config) {
  print_note(fmt::format("gemmvec: {} dim {}, loss {}, epochs {}: {} -> {}",
                         model_type_name(config.model.type), config.model.dim,
                         config.model.loss, config.train.epochs, data_name(config), config.output.path));
}

// How it is trained, once the plan is made.
void print_plan(const std::string& backend, const TrainPlan& plan) {
  const bool cpu = backend == "cpu";
  const std::string output = plan.loss == OutputLoss::kHs
      ? fmt::format("hierarchical softmax, paths up to {} nodes", plan.tree.max_length())
      : fmt::format("group {} positions, K {} negatives", plan.group_size, plan.group_negatives);
  print_note(fmt::format("gemmvec: backend {}{}, {}{}", backend, cpu ? fmt::format(", {} threads", plan.threads) : "",
                         output, cpu ? "" : fmt::format(", batch {} words, row-update cap {}", plan.batch_words,
                                                        plan.row_update_cap)));
}

[[noreturn]] void throw_diverged(const Config& config, const std::string& backend, uint32_t epoch, uint64_t words) {
  throw TrainingDiverged(fmt::format(
      "training diverged in epoch {} after {} words (the loss or the vectors are NaN or infinite); no vectors written "
      "(lower model.alpha, now {}{})", epoch + 1, words, config.alpha(),
      backend == "cpu" ? "" : ", or train.max_row_updates or train.batch_words for the GEMM pipeline"));
}

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// Prints the watched words (train.watch) at a pause: `when` says where the run stands.
using WatchFn = std::function<void(const std::string& when)>;

// The epochs from the cursor on; at the end of each epoch and at a watch pause the watched
// words are printed; at a checkpoint pause the checkpoint is written, and a signal ends the run
// (Interrupted) after it.
void train_epochs(const Config& config, const std::string& backend_name, Backend& backend,
                  const PreparedCorpus& corpus, uint32_t epochs, TrainCursor& cursor, RunControl& control,
                  const WatchFn& watch) {
  const std::string ckpt = checkpoint_path(config);
  while (cursor.epoch < epochs) {
    control.start_epoch(cursor.epoch);
    const bool epoch_ended = backend.train_epoch(corpus.tokens, cursor, control);
    if (epoch_ended) {
      ++cursor.epoch;
      cursor.shards.clear();
    }
    if (watch && (epoch_ended || control.watch_due()) && !control.must_stop()) {
      watch(epoch_ended ? fmt::format("after epoch {}/{}", cursor.epoch, epochs)
                        : fmt::format("in epoch {}/{}, {} words trained", cursor.epoch + 1, epochs,
                                      control.words_done()));
      control.watch_printed();
    }
    if (!control.checkpoint_due()) continue;
    if (control.diverged()) throw_diverged(config, backend_name, cursor.epoch, control.words_done());
    if (ckpt.empty())
      throw Interrupted(fmt::format("stopped by signal {} at epoch {}: no checkpoint written, as output.path {} is not a "
                                    "regular file (set output.checkpoint to keep one)", interrupt_signal(),
                                    cursor.epoch + 1, config.output.path), interrupt_signal());
    Checkpoint c{to_yaml(with_absolute_paths(config)), backend_name, cursor, control.words_done(), control.loss_sum(),
                 control.loss_pairs(), control.seconds(), corpus.tokens.size(), corpus.tokens.words(),
                 vocab_hash(corpus.vocab), {}};
    backend.download(c.model);
    save_checkpoint(ckpt, c);
    if (const int sig = interrupt_signal())
      throw Interrupted(fmt::format("stopped by signal {} at epoch {}: checkpoint written to {} (resume with: gemmvec "
                                    "train --resume {})", sig, cursor.epoch + 1, ckpt, ckpt), sig);
    print_note(fmt::format("gemmvec: checkpoint written to {}", ckpt));
    control.checkpoint_written();
  }
}

}  // namespace

RunSummary train(const Config& config, Checkpoint* resume, const std::string& config_file) {
  return train(config, resume, config_file, RunHooks{});
}

RunSummary train(const Config& config, Checkpoint* resume, const std::string& config_file, const RunHooks& hooks) {
  validate(config);
  // A resumed run's total_seconds counts its training before the checkpoint, as train_seconds does.
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(resume ? resume->train_seconds : 0));
  // Missing inputs, outputs that cannot be written (or would overwrite an input) and a backend
  // that cannot run here are refused before any data is read.
  if (config.data.corpus.empty() && config.data.tokens.empty())
    throw UsageError("no training data: set data.corpus (text files) or data.tokens (a prefix from gemmvec prepare)");
  const std::vector<KeyedPath> inputs = run_inputs(config, config_file);
  check_input_files(inputs);
  check_output_paths(inputs, run_outputs(config));
  print_start(config);
  const BackendEntry& entry = choose_backend(resume ? resume->backend : config.train.backend, output_loss(config.model.loss));
  check_cache_folder(config);
  // Opened now, so a link at its path is refused before any work.
  std::unique_ptr<MetricsLog> metrics;
  if (!config.output.metrics.empty())
    metrics = std::make_unique<MetricsLog>(config.output.metrics, resume && resume->words_done > 0);
  PreparedCorpus corpus = prepare_corpus(config);
  const std::string ckpt = checkpoint_path(config);
  if (resume) check_checkpoint_corpus(*resume, corpus, ckpt);

  RunSummary summary;
  summary.backend = entry.name;
  const TrainPlan plan = make_plan(config, corpus.vocab, entry.defaults);
  // Inputs that need the vocabulary are checked before any training too.
  const WatchWords watch(config.train.watch, corpus.vocab);
  const std::vector<HeldOutText> held_out = read_held_out(config, corpus.vocab);
  print_plan(summary.backend, plan);
  std::unique_ptr<Backend> backend = entry.make(plan, initial_model(resume, corpus, plan, ckpt));

  TrainCursor cursor;
  if (resume) {
    cursor = resume->cursor;
    print_note(fmt::format("gemmvec: resuming {} at epoch {}, {} words trained", ckpt, cursor.epoch + 1,
                           resume->words_done));
  }
  TerminalProgress terminal;
  std::vector<ProgressSink*> sinks = hooks.sinks;
  if (hooks.terminal_progress) sinks.push_back(&terminal);
  if (metrics) sinks.push_back(metrics.get());
  const bool terminal_line = hooks.terminal_progress && terminal.is_terminal();
  RunControl control(control_options(config, corpus, plan, resume, terminal_line), sinks);
  WatchFn show_watch;
  if (!watch.empty())
    show_watch = [&](const std::string& when) {
      Embeddings m;
      backend->download(m);
      watch.print(std::move(m), when);
    };
  // From here to the end a signal is only recorded: training checkpoints and stops at its next
  // pause; once the vectors are written, the scoring stops at its next block (run_outputs.cc).
  const InterruptHandlers handlers;
  train_epochs(config, summary.backend, *backend, corpus, plan.epochs, cursor, control, show_watch);
  summary.train_seconds = control.finish();
  summary.raw_words = corpus.tokens.raw_words();
  summary.words_per_second = summary.train_seconds > 0
      ? static_cast<double>(summary.raw_words) * plan.epochs / summary.train_seconds : 0;
  summary.final_loss = control.last_loss();
  summary.mean_loss = control.mean_loss();

  Embeddings m;
  backend->download(m);
  // A diverged run is never written: its rows, not only its sampled loss, must be finite.
  if (control.diverged() || !all_finite(m.in) || !all_finite(m.out))
    throw_diverged(config, summary.backend, plan.epochs - 1, control.words_done());
  const size_t device_bytes = backend->device_bytes();
  backend.reset();
  // Once the vectors are written they replace the checkpoint (a regular file; never a device
  // output.checkpoint names), a scoring stopped by a signal (Interrupted) included.
  const auto drop_checkpoint = [&] {
    if (const OutputTarget t = resolve_output(ckpt); !ckpt.empty() && !t.in_place) std::remove(t.path.c_str());
  };
  WordVectors vectors;
  try {
    vectors = write_run_outputs(config, corpus.vocab, std::move(m), plan, held_out, device_bytes, summary, t0);
  } catch (const Interrupted&) {
    drop_checkpoint();
    throw;
  }
  drop_checkpoint();
  if (hooks.vectors) *hooks.vectors = std::move(vectors);
  return summary;
}

}  // namespace gemmvec
