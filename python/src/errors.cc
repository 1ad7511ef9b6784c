// gemmvec Python binding: gemmvec's errors (include/gemmvec/errors.h) raised as the Python
// exceptions a user expects, each carrying the CLI's one-line message: UsageError -> ValueError,
// InputError -> FileNotFoundError / PermissionError / IsADirectoryError / OSError, ResourceError
// -> MemoryError (OSError for a full disk); DeviceError, TrainingDiverged and a run stopped by a
// signal -> gemmvec.DeviceError, gemmvec.TrainingDiverged, gemmvec.TrainingInterrupted.
#include <cerrno>

#include <nanobind/stl/string.h>

#include "bindings.h"
#include "gemmvec/errors.h"
#include "interrupted.h"

namespace nb = nanobind;

namespace gemmvec::py {
namespace {

// gemmvec's own exception types live in Python (python/gemmvec/_errors.py), looked up when raised.
void set_error(const char* type_name, nb::handle value) {
  nb::object type = nb::module_::import_("gemmvec._errors").attr(type_name);
  PyErr_SetObject(type.ptr(), value.ptr());
}

PyObject* input_error_type(int err) {
  switch (err) {
    case ENOENT: return PyExc_FileNotFoundError;
    case EACCES:
    case EPERM: return PyExc_PermissionError;
    case EISDIR: return PyExc_IsADirectoryError;
    default: return PyExc_OSError;
  }
}

void translate(const std::exception_ptr& p, void*) {
  try {
    std::rethrow_exception(p);
  } catch (const UsageError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const InputError& e) {
    PyErr_SetString(input_error_type(e.error_number), e.what());
  } catch (const ResourceError& e) {
    PyErr_SetString(e.error_number ? PyExc_OSError : PyExc_MemoryError, e.what());
  } catch (const DeviceError& e) {
    set_error("DeviceError", nb::str(e.what()));
  } catch (const TrainingDiverged& e) {
    set_error("TrainingDiverged", nb::str(e.what()));
  } catch (const InterruptedRun& e) {
    set_error("TrainingInterrupted", nb::make_tuple(e.what(), e.checkpoint, e.signal));
  }
}

}  // namespace

void bind_errors(nb::module_&) { nb::register_exception_translator(translate); }

}  // namespace gemmvec::py
