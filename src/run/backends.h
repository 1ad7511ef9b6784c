// gemmvec: the backends a run can choose (`train.backend`), in one table: name, defaults,
// whether it can run here, and its factory.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "train/backend.h"

namespace gemmvec {

struct BackendEntry {
  const char* name;
  BackendDefaults defaults;
  std::string (*unavailable)();  // "" if it can run here, else the one-line reason
  std::unique_ptr<Backend> (*make)(const TrainPlan& plan, Embeddings initial);
  bool trains_hs;  // hierarchical softmax (model.loss hs): the cpu backend only
};

// cpu, cuda, cuda-host (config.h's train.backend choices, less `auto`).
const std::vector<BackendEntry>& backends();
// The entry of a backend by name; UsageError naming the closest one if there is none.
const BackendEntry& find_backend(const std::string& name);
// Resolves `auto` (cuda when a usable GPU is present and trains `loss`, else cpu with a one-line
// note on stderr) and checks the backend can run here and train `loss`: a UsageError (a config
// that cannot run on this machine) naming why and the alternative if not.
const BackendEntry& choose_backend(const std::string& asked, OutputLoss loss);

}  // namespace gemmvec
