// gemmvec: the outputs of a completed run.
#include "run/run_outputs.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/interrupt.h"
#include "base/stderr_lines.h"
#include "eval/scores.h"
#include "gemmvec/vectors_io.h"
#include "run/held_out.h"
#include "run/output_paths.h"

namespace gemmvec {
namespace {

void print_neighbours(const VectorIndex& index, const std::vector<std::string>& words) {
  for (const auto& word : words) {
    const int64_t id = index.find(word);
    fmt::print("{}\n", id < 0 ? word + ": not in the vocabulary" : neighbours_line(index, id, 8));
  }
}

// The neighbours and scores the config asks for, printed; the scores returned for OUT.json.
// `held_out`: the held-out log-likelihoods, already computed. A signal stops the scoring
// (ScoringStopped) at its next block.
nlohmann::ordered_json evaluate(const Config& config, const WordVectors& vectors, nlohmann::ordered_json held_out,
                                const StopCheck& stop) {
  const EvalConfig& eval = config.eval;
  if (eval.analogy.empty() && eval.similarity.empty() && eval.neighbours.empty() && eval.heldout.empty())
    return nlohmann::ordered_json::object();
  const VectorIndex index(vectors);
  print_neighbours(index, eval.neighbours);
  nlohmann::ordered_json scores = score_vectors(index, eval.analogy, eval.similarity, eval.analogy_top_n, stop);
  if (!eval.heldout.empty()) scores["log_likelihood"] = std::move(held_out);
  fmt::print("{}", scores_text(scores));
  return scores;
}

// output.save_output: the output matrix under the vocabulary's words, in the vectors' format
// (its biases, if any, stay in checkpoints: word2vec's formats have no place for them).
void save_output_layer(const Config& config, const Vocab& vocab, const Embeddings& model) {
  WordVectors layer;
  layer.words = vocab.words();
  layer.dim = model.dim;
  layer.data = model.out;
  const std::string path = output_layer_path(config.output.path);
  if (config.output.format == "txt") save_word2vec_text(path, layer);
  else save_word2vec_binary(path, layer);
  if (config.output.format == "both") save_word2vec_text(text_twin_path(path), layer);
  print_note(fmt::format("gemmvec: wrote the output layer to {}", path));
}

// The config as the run used it: the backend that ran and every value a backend default or
// `auto` stood for, and every path absolute, so training again from OUT.yaml repeats this run on
// any machine and from any folder.
Config as_run(const Config& config, const TrainPlan& plan, const RunSummary& summary) {
  Config c = with_absolute_paths(config);
  c.train.backend = summary.backend;
  c.model.alpha = config.alpha();
  c.train.threads = plan.threads;
  c.train.group_size = plan.group_size;
  c.train.group_negatives = plan.group_negatives;
  c.train.batch_words = plan.batch_words;
  c.train.max_row_updates = plan.row_update_cap;
  return c;
}

}  // namespace

WordVectors write_run_outputs(const Config& config, const Vocab& vocab, Embeddings&& model, const TrainPlan& plan,
                              const std::vector<HeldOutText>& held_out, size_t device_bytes, RunSummary& summary,
                              std::chrono::steady_clock::time_point t0) {
  WordVectors vectors;
  vectors.words = vocab.words();
  vectors.dim = model.dim;
  vectors.data = std::move(model.in);  // the output layer stays in `model` for the held-out scores
  const std::string& out = config.output.path;
  // A device or FIFO output (/dev/null) gets the vectors only: nothing is created beside it.
  const bool sidecars = writes_sidecars(config);
  if (config.output.format != "txt") save_word2vec_binary(out, vectors);
  if (config.output.format == "txt") save_word2vec_text(out, vectors);
  if (config.output.format == "both" && sidecars) save_word2vec_text(text_twin_path(out), vectors);
  if (config.output.save_output && sidecars) save_output_layer(config, vocab, model);
  if (!config.output.vocab.empty()) vocab.save(config.output.vocab);
  if (config.output.save_config && sidecars) write_file_atomic(out + ".yaml", to_yaml(as_run(config, plan, summary)));
  print_note(fmt::format("gemmvec: wrote {} ({} words, dim {}); trained {:.1f} s, {:.0f} words/s, loss {:.4f}", out,
                         vectors.words.size(), vectors.dim, summary.train_seconds, summary.words_per_second,
                         summary.final_loss));

  nlohmann::ordered_json report = {{"backend", summary.backend}, {"train_seconds", summary.train_seconds},
                                   {"raw_words_per_epoch", summary.raw_words}, {"epochs", plan.epochs},
                                   {"words_per_second", summary.words_per_second}, {"final_loss", summary.final_loss},
                                   {"mean_loss", summary.mean_loss},
                                   {"vocab", vocab.size()}, {"dim", plan.dim}, {"threads", plan.threads},
                                   {"group_size", plan.group_size}, {"group_negatives", plan.group_negatives},
                                   {"batch_words", plan.batch_words}};
  report["device_memory_mb"] = device_bytes ? nlohmann::ordered_json(device_bytes / 1048576.0) : nlohmann::ordered_json(nullptr);
  // The signal handlers the trainer installed only record a signal: the scoring polls it.
  const StopCheck stop = [] { return interrupt_signal() != 0; };
  const bool scoring = !held_out.empty() || !config.eval.analogy.empty() || !config.eval.similarity.empty();
  if (scoring) print_note("gemmvec: scoring the vectors");
  int stopped_by = 0;
  try {
    report["scores"] = evaluate(
        config, vectors, score_held_out(held_out, plan.loss, vectors.data.data(), model, &plan.tree, stop), stop);
  } catch (const ScoringStopped&) {
    stopped_by = interrupt_signal();
    report["scores"] = {{"interrupted", fmt::format("stopped by signal {} before the scores were done; the vectors are "
                                                    "whole (score them with gemmvec eval)", stopped_by)}};
  }
  summary.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report["total_seconds"] = summary.total_seconds;
  if (sidecars) write_file_atomic(out + ".json", report.dump(2) + "\n");
  if (stopped_by)
    throw Interrupted(fmt::format("stopped by signal {} while scoring: the vectors {} are written, the scores are "
                                  "not{}", stopped_by, out, sidecars ? fmt::format(" ({}.json says so)", out) : ""),
                      stopped_by);
  return vectors;
}

}  // namespace gemmvec
