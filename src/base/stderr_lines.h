// gemmvec: what a run writes to stderr besides its errors: notes (silenced by --quiet), warnings,
// and the refreshing progress line, which every other line ends first so it starts on its own.
#pragma once
#include <string>

namespace gemmvec {

// How much a run says on stderr: kQuiet only warnings and errors; kNormal a start line, the
// progress line and notes of what was written; kVerbose also the resolved config at start.
enum class Verbosity { kQuiet, kNormal, kVerbose };
void set_verbosity(Verbosity v);
Verbosity verbosity();

// One line ("gemmvec: wrote ..."; no newline in `line`), unless quiet.
void print_note(const std::string& line);
// One line of detail (what the token cache did), only when verbose.
void print_detail(const std::string& line);
// One line whatever the verbosity: a warning or an error.
void print_message(const std::string& line);
// Whole lines, newlines included, whatever the verbosity: what the config asked to see (the
// watched words' neighbours).
void print_lines(const std::string& text);

// The progress line: on a terminal (`open`) rewritten in place after a '\r' and left without a
// newline until the next one or any other line; otherwise a line of its own. Unless quiet.
void print_progress(const std::string& line, bool open);
// Ends an open progress line with a newline (nothing if none is open). Thread-safe, as are the
// functions above: they share one lock.
void end_progress_line();

}  // namespace gemmvec
