// gemmvec: a whole run: prepare the corpus, choose the backend, train, write, evaluate.
#include "gemmvec/trainer.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "gemmvec/backend.h"
#include "gemmvec/evaluation.h"
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

RunSummary train(const Config& config) {
  validate(config);
  const auto t0 = std::chrono::steady_clock::now();
  for (const std::string& file : {config.output.path, config.output.metrics, config.output.vocab})
    if (auto dir = std::filesystem::path(file).parent_path(); !file.empty() && !dir.empty())
      std::filesystem::create_directories(dir);
  PreparedCorpus corpus = prepare_corpus(config);
  RunSummary summary;
  summary.backend = choose_backend(config.train.backend);
  const BackendDefaults defaults = backend_defaults(summary.backend);
  const TrainPlan plan = make_plan(config, corpus.vocab, defaults.group_size, defaults.group_negatives,
                                   defaults.batch_words, defaults.row_update_cap);
  const bool cpu = summary.backend == "cpu";
  fmt::print(stderr, "gemmvec: backend {}{}, group {} positions, K {} negatives{}\n", summary.backend,
             cpu ? fmt::format(", {} threads", plan.threads) : "", plan.group_size, plan.group_negatives,
             cpu ? "" : fmt::format(", batch {} words, row-update cap {}", plan.batch_words, plan.row_update_cap));

  auto backend = make_backend(summary.backend, plan,
                              init_embeddings(corpus.vocab.size(), plan.dim, plan.seed));
  ProgressOptions po;
  po.alpha = config.alpha();
  po.min_alpha_ratio = config.model.min_alpha_ratio;
  po.words_per_epoch = corpus.tokens.words();
  po.raw_words_per_epoch = corpus.tokens.raw_words();
  po.epochs = plan.epochs;
  po.print_seconds = config.train.progress_seconds;
  po.metrics_path = config.output.metrics;
  Progress progress(po);
  for (uint32_t e = 0; e < plan.epochs; ++e) {
    progress.start_epoch(e);
    backend->train_epoch(corpus.tokens, e, progress);
  }
  summary.train_seconds = progress.finish();
  summary.raw_words = corpus.tokens.raw_words();
  summary.words_per_second = summary.train_seconds > 0
      ? static_cast<double>(summary.raw_words) * plan.epochs / summary.train_seconds : 0;
  summary.final_loss = progress.mean_loss();

  Embeddings m;
  backend->download(m);
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
  report["scores"] = evaluate(config, vectors);
  summary.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  report["total_seconds"] = summary.total_seconds;
  write_file_atomic(out + ".json", report.dump(2) + "\n");
  return summary;
}

}  // namespace gemmvec
