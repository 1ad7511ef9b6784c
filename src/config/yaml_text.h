// gemmvec: YAML text as the config and the bench config read it: a file's text, the parse with
// its error as one line naming file:line:column, and a node named in messages ("'abc'", "a list").
#pragma once
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/file_errors.h"
#include "gemmvec/errors.h"

namespace gemmvec {

inline std::string describe(const YAML::Node& node) {
  if (node.IsScalar()) return fmt::format("'{}'", node.Scalar());
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  return "nothing";
}

// The whole text of a YAML file; `what` names it in errors ("the config file").
inline std::string read_yaml_file(const std::string& path, const char* what) {
  require_input_file(path, "");  // missing, a directory, unreadable: one line naming it
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read {} ({})", path, what, std::strerror(errno)));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: error reading {}", path, what));
  return text.str();
}

// Parses YAML text; a syntax error is a UsageError "WHERE:LINE:COLUMN: not valid YAML: ...".
inline YAML::Node parse_yaml(const std::string& yaml, const std::string& where) {
  try {
    return YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    throw UsageError(fmt::format("{}:{}:{}: not valid YAML: {}", where, e.mark.line + 1, e.mark.column + 1, e.msg));
  }
}

}  // namespace gemmvec
