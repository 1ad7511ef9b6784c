// gemmvec._core: the extension module the gemmvec package wraps (python/gemmvec/).
#include "bindings.h"

NB_MODULE(_core, m) {
  m.doc() = "gemmvec's C++ core: training, word vectors and their evaluation (use the gemmvec package)";
  gemmvec::py::bind_errors(m);
  gemmvec::py::bind_vectors(m);
  gemmvec::py::bind_training(m);
}
