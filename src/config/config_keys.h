// gemmvec: the table of config keys, one entry per key: its type, range or choices, one line of
// doc, and how to get and set it. Parsing, overrides, validation, to_yaml, the template and the
// did-you-mean errors all read it, so a key is described exactly once.
#pragma once
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "gemmvec/config.h"

namespace gemmvec::config_keys {

constexpr double kInf = std::numeric_limits<double>::infinity();

// A key's value, whatever its C++ type: unsigned integers widen to uint64_t, enums are strings.
using Value = std::variant<bool, uint64_t, double, std::string, std::vector<std::string>>;

enum class Kind { kBool, kUint32, kUint64, kDouble, kString, kStringList };

// Where a value came from, for error messages: "file.yaml:4" or "--set".
struct Source {
  std::string where;
  int line = -1;  // 0-based, -1: none
  std::string prefix() const {
    return line >= 0 ? fmt::format("{}:{}: ", where, line + 1) : fmt::format("{}: ", where);
  }
};

struct Key {
  std::string name;  // "section.leaf"
  Kind kind;
  std::string doc;   // one line, for the template
  double lo = -kInf, hi = kInf;       // numeric range, inclusive
  std::vector<std::string> choices;   // allowed strings (empty: any)
  bool non_empty = false;             // a string that must not be empty
  bool path = false;                  // a file or folder (or a list of them): a relative value read
                                      // from a config file is taken from that file's folder
  std::function<Value(const Config&)> get;
  std::function<void(Config&, const Value&)> set;

  std::string section() const { return name.substr(0, name.find('.')); }
  std::string leaf() const { return name.substr(name.find('.') + 1); }
};

// Every config key, in the order to_yaml and the template write them.
const std::vector<Key>& keys();
std::vector<std::string> section_names();
const Key* find_key(const std::string& name);
// The valid key to suggest for an unknown "section.leaf" (or bare "leaf").
std::string suggest_key(const std::string& name);
std::string unknown_key_message(const Source& src, const std::string& name, const char* what);
// "a non-negative integer", "one of a, b", ... for errors.
std::string kind_name(const Key& key);
std::optional<bool> parse_bool(std::string text);
std::string number_text(double v);
// The range or choices of a key as users read them: "1..10000", ">= 1", "auto, cpu, ...".
std::string rule_text(const Key& key);
// Checks a value against its key's rule; returns the problem, or "" if none.
std::string check(const Key& key, const Value& v);

}  // namespace gemmvec::config_keys
