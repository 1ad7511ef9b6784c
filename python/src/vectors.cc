// gemmvec Python binding: the Vectors class: words, the rows as a numpy array sharing their
// memory, and the CLI's queries (nearest words, analogies), scores (`gemmvec eval`), save and load.
#include "vectors.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <fmt/format.h>

#include "base/file_errors.h"
#include "bindings.h"
#include "eval/scores.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace gemmvec::py {

const VectorIndex& Vectors::index() {
  if (!index_) index_ = std::make_unique<VectorIndex>(data_);
  return *index_;
}

namespace {

using Matrix = nb::ndarray<nb::numpy, float, nb::ndim<2>, nb::c_contig>;
using Query = nb::ndarray<const float, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

int64_t checked_id(Vectors& v, int64_t id) {
  if (id < 0 || static_cast<size_t>(id) >= v.data().words.size())
    throw nb::index_error(fmt::format("row {} outside 0..{}", id, v.data().words.size()).c_str());
  return id;
}

std::vector<std::pair<std::string, float>> nearest(Vectors& v, const Query& query, size_t n,
                                                   const std::vector<int64_t>& exclude, size_t limit) {
  if (query.shape(0) != v.data().dim)
    throw nb::value_error(fmt::format("the query has {} values, the vectors {}", query.shape(0), v.data().dim).c_str());
  std::vector<float> q(query.data(), query.data() + query.shape(0));
  for (int64_t id : exclude) checked_id(v, id);
  const VectorIndex& index = v.index();
  nb::gil_scoped_release release;
  return index.nearest(q, n, exclude, limit);
}

std::string evaluate(Vectors& v, const std::vector<std::string>& analogy, const std::vector<std::string>& similarity,
                     size_t top_n) {
  // Every file is checked first, with the run's one-line errors (FileNotFoundError when missing).
  for (const std::string& f : analogy) require_input_file(f, "analogy");
  for (const std::string& f : similarity) require_input_file(f, "similarity");
  const VectorIndex& index = v.index();
  nb::gil_scoped_release release;
  return score_vectors(index, analogy, similarity, top_n).dump();
}

}  // namespace

void bind_vectors(nb::module_& m) {
  nb::class_<Vectors>(m, "Vectors", "Word vectors: words in row order and a (words, dim) float32 matrix.")
      .def_prop_ro("words", [](Vectors& v) { return v.data().words; }, "The words, one per row (a new list).")
      .def_prop_ro("dim", [](Vectors& v) { return v.data().dim; }, "Values per row.")
      .def("__len__", [](Vectors& v) { return v.data().words.size(); })
      .def_prop_ro(
          "vectors",
          [](Vectors& v) {
            WordVectors& d = v.data();
            return Matrix(d.data.data(), {d.words.size(), size_t{d.dim}}, nb::handle());
          },
          nb::rv_policy::reference_internal, "The (words, dim) matrix itself, not a copy.")
      .def("find", [](Vectors& v, const std::string& word) { return v.index().find(word); }, "word"_a,
           "Row of a word as the CLI looks words up (ASCII case folded, the most frequent first), or -1.")
      .def("unit_row", [](Vectors& v, int64_t id) { return v.index().unit_row(checked_id(v, id)); }, "row"_a,
           "The row scaled to unit length.")
      .def("analogy_query",
           [](Vectors& v, int64_t a, int64_t b, int64_t c) {
             return analogy_query(v.index(), checked_id(v, a), checked_id(v, b), checked_id(v, c));
           },
           "a"_a, "b"_a, "c"_a, "unit(b) - unit(a) + unit(c): the query of 'a is to b as c is to ?'.")
      .def("nearest", &nearest, "query"_a, "n"_a, "exclude"_a = std::vector<int64_t>{}, "limit"_a = 0,
           "The n rows nearest to query by cosine among the first limit rows (0: all), as (word, cosine).")
      .def("reindex", &Vectors::reindex, "Drop the query index; the next query rebuilds it from the rows.")
      .def("evaluate", &evaluate, "analogy"_a, "similarity"_a, "top_n"_a,
           "The scores `gemmvec eval --json` reports, as JSON text.")
      .def(
          "save",
          [](Vectors& v, const std::string& path, bool binary) {
            nb::gil_scoped_release release;
            if (binary) save_word2vec_binary(path, v.data());
            if (!binary) save_word2vec_text(path, v.data());
          },
          "path"_a, "binary"_a = true, "Writes word2vec.c's binary or text format (atomically).");
  m.def(
      "load",
      [](const std::string& path) {
        WordVectors v;
        {
          nb::gil_scoped_release release;
          v = load_word2vec(path);
        }
        return Vectors(std::move(v));
      },
      "path"_a, "Reads word2vec .bin or .txt vectors (the format is detected).");
}

}  // namespace gemmvec::py
