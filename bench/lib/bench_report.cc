// gemmvec CLI: `gemmvec bench` reports: speed ratios against gensim, results.csv, the Markdown table.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench.h"

namespace gemmvec::bench {
namespace {

using json = nlohmann::ordered_json;

// The CSV columns: (header, where in a point's JSON).
const std::vector<std::pair<const char*, const char*>> kColumns = {
    {"id", "/id"},
    {"tool", "/tool"},
    {"backend", "/backend"},
    {"model", "/settings/model"},
    {"dim", "/settings/dim"},
    {"threads", "/settings/threads"},
    {"group_size", "/settings/group_size"},
    {"batch_words", "/settings/batch_words"},
    {"epochs", "/settings/epochs"},
    {"status", "/status"},
    {"reason", "/reason"},
    {"error", "/error"},
    {"wall_seconds", "/wall_seconds"},
    {"words_per_second", "/words_per_second"},
    {"vs_gensim", "/vs_gensim"},
    {"pairs_per_second", "/pairs_per_second"},
    {"peak_rss_mb", "/peak_rss_mb"},
    {"device_memory_mb", "/device_memory_mb"},
    {"final_loss", "/final_loss"},
    {"analogy", "/analogy"},
    {"similarity", "/similarity"},
};

std::string csv_field(const json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

const json& at(const json& point, const char* pointer) {
  static const json kNull;
  const json::json_pointer p(pointer);
  return point.contains(p) ? point.at(p) : kNull;
}

std::string number(const json& v, const char* format) {
  return v.is_number() ? fmt::format(fmt::runtime(format), v.get<double>()) : "";
}

// 1234567.8 -> "1,234,568"
std::string grouped(const json& v) {
  if (!v.is_number()) return "";
  std::string digits = fmt::format("{:.0f}", v.get<double>());
  for (int i = static_cast<int>(digits.size()) - 3; i > 0 && digits[i - 1] != '-'; i -= 3) digits.insert(i, ",");
  return digits;
}

}  // namespace

void add_gensim_ratios(json& points) {
  for (json& p : points) {
    if (p["status"] != "ok" || !p["words_per_second"].is_number()) continue;
    const json* base = nullptr;
    for (const json& g : points) {
      if (g["tool"] != "gensim" || g["status"] != "ok" || !g["words_per_second"].is_number()) continue;
      if (g["settings"]["model"] != p["settings"]["model"] || g["settings"]["dim"] != p["settings"]["dim"]) continue;
      if (!base || g["settings"]["threads"] == p["settings"]["threads"]) base = &g;
    }
    if (base) p["vs_gensim"] = p["words_per_second"].get<double>() / (*base)["words_per_second"].get<double>();
  }
}

std::string bench_csv(const json& points) {
  std::string out;
  for (size_t i = 0; i < kColumns.size(); ++i) out += std::string(i ? "," : "") + kColumns[i].first;
  out += "\n";
  for (const json& p : points) {
    for (size_t i = 0; i < kColumns.size(); ++i) out += (i ? "," : "") + csv_field(at(p, kColumns[i].second));
    out += "\n";
  }
  return out;
}

std::string bench_table(const json& points) {
  std::string out =
      "| point | tool | backend | model | dim | threads | wall s | words/s | vs gensim | pairs/s | peak RSS MB | "
      "final loss | analogy | similarity |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const json& p : points) {
    const json& s = p["settings"];
    out += fmt::format("| {} | {} | {} | {} | {} | {} |", p["id"].get<std::string>(), p["tool"].get<std::string>(),
                       p["backend"].get<std::string>(), s["model"].get<std::string>(), s["dim"].dump(),
                       s["threads"].dump());
    if (p["status"] != "ok") {
      const std::string why = p.value("reason", p.value("error", std::string()));
      out += fmt::format(" {}: {} | | | | | | | |\n", p["status"].get<std::string>(), why);
      continue;
    }
    out += fmt::format(" {} | {} | {} | {} | {} | {} | {} | {} |\n", number(p["wall_seconds"], "{:.2f}"),
                       grouped(p["words_per_second"]), number(p["vs_gensim"], "{:.2f}x"),
                       grouped(p["pairs_per_second"]), number(p["peak_rss_mb"], "{:.0f}"),
                       number(p["final_loss"], "{:.4f}"), number(p["analogy"], "{:.2f}%"),
                       number(p["similarity"], "{:.3f}"));
  }
  return out;
}

}  // namespace gemmvec::bench
