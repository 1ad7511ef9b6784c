// gemmvec fuzzing: the config parser. The input is YAML text; after a NUL byte, "key=value"
// overrides, one a line, as `--set` applies them. A config that parses and validates must
// survive its own round trip through to_yaml.
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "gemmvec/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string yaml = input.substr(0, nul);
  gemmvec_fuzz::expect_documented_errors([&] {
    gemmvec::Config config = gemmvec::parse_config(yaml, "fuzz.yaml");
    if (nul != std::string::npos) {
      size_t at = nul + 1;
      while (at <= input.size()) {
        size_t eol = input.find('\n', at);
        if (eol == std::string::npos) eol = input.size();
        if (eol > at) gemmvec::apply_override(config, input.substr(at, eol - at));  // one per line
        at = eol + 1;
      }
    }
    gemmvec::validate(config);
    const std::string text = gemmvec::to_yaml(config);
    std::string again;
    try {
      again = gemmvec::to_yaml(gemmvec::parse_config(text, "round-trip.yaml"));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "to_yaml output does not parse: %s\n%s\n", e.what(), text.c_str());
      GEMMVEC_FUZZ_CHECK(!"round trip parses");
    }
    GEMMVEC_FUZZ_CHECK(again == text);
  });
  return 0;
}
