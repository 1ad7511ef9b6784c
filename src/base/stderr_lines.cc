// gemmvec: stderr's notes, messages and progress line, under one lock.
#include "base/stderr_lines.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace gemmvec {
namespace {

std::atomic<Verbosity> g_verbosity{Verbosity::kNormal};
std::mutex g_mu;
bool g_open = false;  // a progress line without its newline is showing; guarded by g_mu

void end_open_line() {  // with g_mu held
  if (g_open) std::fputc('\n', stderr);
  g_open = false;
}

void write(const std::string& text) {  // with g_mu held
  end_open_line();
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

void set_verbosity(Verbosity v) { g_verbosity.store(v); }
Verbosity verbosity() { return g_verbosity.load(); }

void print_note(const std::string& line) {
  if (verbosity() != Verbosity::kQuiet) print_message(line);
}

void print_detail(const std::string& line) {
  if (verbosity() == Verbosity::kVerbose) print_message(line);
}

void print_message(const std::string& line) {
  std::lock_guard<std::mutex> lock(g_mu);
  write(line + "\n");
}

void print_lines(const std::string& text) {
  std::lock_guard<std::mutex> lock(g_mu);
  write(text);
}

void print_progress(const std::string& line, bool open) {
  if (verbosity() == Verbosity::kQuiet) return;
  std::lock_guard<std::mutex> lock(g_mu);
  std::fputs(g_open ? "\r" : "", stderr);
  g_open = false;
  write(open ? line : line + "\n");
  g_open = open;
}

void end_progress_line() {
  std::lock_guard<std::mutex> lock(g_mu);
  end_open_line();
  std::fflush(stderr);
}

}  // namespace gemmvec
