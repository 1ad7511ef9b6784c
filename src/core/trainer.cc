// gemmvec: a whole run: prepare the corpus, choose the backend, train, write, evaluate.
#include "gemmvec/trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "gemmvec/backend.h"
#include "gemmvec/evaluation.h"
#include "gemmvec/interrupt.h"
#include "gemmvec/token_cache.h"
#include "gemmvec/vectors_io.h"

namespace gemmvec {
namespace {

// Resolves `auto` and checks that the asked-for backend can run here.
std::string choose_backend(const std::string& asked) {
  if (asked == "cuda" || asked == "auto") {
    const std::string why = cuda_unavailable_reason();
    if (why.empty()) return "cuda";
    if (asked == "cuda") throw std::runtime_error("train.backend is cuda but " + why + " (use train.backend: cpu or cuda-host)");
    fmt::print(stderr, "gemmvec: using the cpu backend: {}\n", why);
    return "cpu";
  }
  return asked;
}

std::unique_ptr<Backend> make_backend(const std::string& name, const TrainPlan& plan, Embeddings init) {
  if (name == "cpu") return make_cpu_backend(plan, std::move(init));
  if (name == "cuda") return make_cuda_backend(plan, std::move(init));
  auto b = make_cuda_host_backend(plan, std::move(init));
  if (!b) throw std::runtime_error("this gemmvec was built without the cuda-host backend (Thrust headers were not found)");
  return b;
}

std::string with_extension(const std::string& path, const std::string& ext) {
  return std::filesystem::path(path).replace_extension(ext).string();
}

WordVectors to_word_vectors(const Vocab& vocab, Embeddings&& m) {
  WordVectors v;
  v.words = vocab.words();
  v.dim = m.dim;
  v.data = std::move(m.in);
  return v;
}

nlohmann::json evaluate(const Config& config, const WordVectors& vectors) {
  nlohmann::json scores = nlohmann::json::object();
  if (config.eval.analogy.empty() && config.eval.similarity.empty() && config.eval.neighbours.empty())
    return scores;
  const VectorIndex index(vectors);
  for (const auto& word : config.eval.neighbours) {
    const int64_t id = index.find(word);
    if (id < 0) {
      fmt::print("{}: not in the vocabulary\n", word);
      continue;
    }
    std::string line;
    for (const auto& [w, cos] : index.nearest(index.unit_row(id), 8, {id}))
      line += fmt::format(" {} ({:.3f})", w, cos);
    fmt::print("{}:{}\n", word, line);
  }
  for (const auto& path : config.eval.analogy) {
    const AnalogyScore a = evaluate_analogy(index, path, config.eval.analogy_top_n);
    fmt::print("analogy {} (top {}): total {:.2f}%  semantic {:.2f}%  syntactic {:.2f}%  coverage {:.1f}%\n",
               std::filesystem::path(path).filename().string(), config.eval.analogy_top_n, a.total(),
               a.semantic(), a.syntactic(), a.coverage());
    scores["analogy"][path] = {{"total", a.total()}, {"semantic", a.semantic()},
                               {"syntactic", a.syntactic()}, {"coverage", a.coverage()},
                               {"top_n", config.eval.analogy_top_n}};
  }
  for (const auto& path : config.eval.similarity) {
    const SimilarityScore s = evaluate_similarity(index, path);
    fmt::print("similarity {}: spearman {:.3f}  pairs {}/{}\n",
               std::filesystem::path(path).filename().string(), s.spearman, s.pairs_used, s.pairs_total);
    scores["similarity"][path] = {{"spearman", s.spearman}, {"pairs_used", s.pairs_used},
                                  {"pairs_total", s.pairs_total}};
  }
  return scores;
}

}  // namespace

std::string checkpoint_path(const Config& config) {
  return config.output.checkpoint.empty() ? config.output.path + ".ckpt" : config.output.checkpoint;
}

RunSummary train(const Config& config, Checkpoint* resume) {
  validate(config);
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& file : {config.output.path, config.output.metrics, config.output.vocab, checkpoint_path(config)})
    if (auto dir = std::filesystem::path(file).parent_path(); !file.empty() && !dir.empty())
      std::filesystem::create_directories(dir);
  PreparedCorpus corpus = prepare_corpus(config);
  const std::string ckpt = checkpoint_path(config);
  if (resume && (resume->stream_tokens != corpus.tokens.size() || resume->stream_words != corpus.tokens.words()))
    throw InputError(fmt::format("{}: the corpus has changed since this checkpoint was written ({} words then, {} now); "
                                 "resume needs the data it was trained on", ckpt, resume->stream_words,
                                 corpus.tokens.words()));
  RunSummary summary;
  summary.backend = choose_backend(resume ? resume->backend : config.train.backend);
  const BackendDefaults defaults = backend_defaults(summary.backend);
  const TrainPlan plan = make_plan(config, corpus.vocab, defaults.group_size, defaults.group_negatives,
                                   defaults.batch_words, defaults.row_update_cap);
  const bool cpu = summary.backend == "cpu";
  fmt::print(stderr, "gemmvec: backend {}{}, group {} positions, K {} negatives{}\n", summary.backend,
             cpu ? fmt::format(", {} threads", plan.threads) : "", plan.group_size, plan.group_negatives,
             cpu ? "" : fmt::format(", batch {} words, row-update cap {}", plan.batch_words, plan.row_update_cap));

  Embeddings init = resume ? std::move(resume->model) : init_embeddings(corpus.vocab.size(), plan.dim, plan.seed);
  if (init.rows != corpus.vocab.size() || init.dim != plan.dim)
    throw InputError(fmt::format("{}: the checkpoint holds {} x {} matrices, the run needs {} x {} (resume with the "
                                 "data and model.dim it was written with)", ckpt, init.rows, init.dim,
                                 corpus.vocab.size(), plan.dim));
  auto backend = make_backend(summary.backend, plan, std::move(init));
  ProgressOptions po;
  po.alpha = config.alpha();
  po.min_alpha_ratio = config.model.min_alpha_ratio;
  po.words_per_epoch = corpus.tokens.words();
  po.raw_words_per_epoch = corpus.tokens.raw_words();
  po.epochs = plan.epochs;
  po.print_seconds = config.train.progress_seconds;
  po.metrics_path = config.output.metrics;
  po.checkpoint_seconds = config.train.checkpoint_minutes * 60;
  TrainCursor cursor;
  if (resume) {
    po.words_done = resume->words_done;
    po.loss_sum = resume->loss_sum;
    po.loss_pairs = resume->loss_pairs;
    po.seconds_before = resume->train_seconds;
    cursor = resume->cursor;
    fmt::print(stderr, "gemmvec: resuming {} at epoch {}, {} words trained\n", ckpt, cursor.epoch + 1, po.words_done);
  }
  Progress progress(po);
  const InterruptHandlers handlers;
  while (cursor.epoch < plan.epochs) {
    progress.start_epoch(cursor.epoch);
    if (backend->train_epoch(corpus.tokens, cursor, progress)) {
      ++cursor.epoch;
      cursor.shards.clear();
    }
    if (!progress.pause_requested()) continue;
    Checkpoint c{to_yaml(config), summary.backend, cursor, progress.words_done(), progress.loss_sum(),
                 progress.loss_pairs(), progress.seconds(), corpus.tokens.size(), corpus.tokens.words(), {}};
    backend->download(c.model);
    save_checkpoint(ckpt, c);
    if (const int sig = interrupt_signal())
      throw Interrupted(fmt::format("stopped by signal {} at epoch {}: checkpoint written to {} (resume with: gemmvec "
                                    "train --resume {})", sig, cursor.epoch + 1, ckpt, ckpt), sig);
    fmt::print(stderr, "gemmvec: checkpoint written to {}\n", ckpt);
    progress.checkpoint_written();
  }
  summary.train_seconds = progress.finish();
  summary.raw_words = corpus.tokens.raw_words();
  summary.words_per_second = summary.train_seconds > 0
      ? static_cast<double>(summary.raw_words) * plan.epochs / summary.train_seconds : 0;
  summary.final_loss = progress.mean_loss();

  Embeddings m;
  backend->download(m);
  const size_t device_bytes = backend->device_bytes();
  backend.reset();
  const WordVectors vectors = to_word_vectors(corpus.vocab, std::move(m));
  const std::string& out = config.output.path;
  if (config.output.format != "txt") save_word2vec_binary(out, vectors);
  if (config.output.format == "txt") save_word2vec_text(out, vectors);
  if (config.output.format == "both") save_word2vec_text(with_extension(out, ".txt"), vectors);
  if (!config.output.vocab.empty()) corpus.vocab.save(config.output.vocab);
  if (config.output.save_config) write_file_atomic(out + ".yaml", to_yaml(config));
  fmt::print(stderr, "gemmvec: wrote {} ({} words, dim {}); trained {:.1f} s, {:.0f} words/s\n", out,
             vectors.words.size(), vectors.dim, summary.train_seconds, summary.words_per_second);

  nlohmann::json report = {{"backend", summary.backend}, {"train_seconds", summary.train_seconds},
                           {"raw_words_per_epoch", summary.raw_words}, {"epochs", plan.epochs},
                           {"words_per_second", summary.words_per_second}, {"final_loss", summary.final_loss},
                           {"vocab", corpus.vocab.size()}, {"dim", plan.dim}, {"threads", plan.threads},
                           {"group_size", plan.group_size}, {"group_negatives", plan.group_negatives},
                           {"batch_words", plan.batch_words}};
  report["device_memory_mb"] = device_bytes ? nlohmann::json(device_bytes / 1048576.0) : nlohmann::json(nullptr);
  report["scores"] = evaluate(config, vectors);
  summary.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report["total_seconds"] = summary.total_seconds;
  write_file_atomic(out + ".json", report.dump(2) + "\n");
  std::remove(ckpt.c_str());  // the run is complete: its outputs replace the checkpoint
  return summary;
}

}  // namespace gemmvec
