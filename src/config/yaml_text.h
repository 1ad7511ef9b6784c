// gemmvec: how a YAML node is named in error messages ("'abc'", "a list", "a mapping"), for the
// config and the bench config alike.
#pragma once
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace gemmvec {

inline std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("'{}'", node.Scalar());
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

}  // namespace gemmvec
