// gemmvec Python binding (gemmvec._core): what each source file of the module adds to it.
#pragma once
#include <nanobind/nanobind.h>

namespace gemmvec::py {

// errors.cc: gemmvec's errors as Python exceptions (ValueError, OSError, MemoryError, gemmvec._errors).
void bind_errors(nanobind::module_& m);
// vectors.cc: the Vectors class (words and rows, numpy view, queries, scores, save, load).
void bind_vectors(nanobind::module_& m);
// training.cc: train, resume and the config helpers.
void bind_training(nanobind::module_& m);

}  // namespace gemmvec::py
