#pragma once
// `rampart logs` and `rampart tune`: the review commands, as functions of their options and two
// streams, so main.cc only maps argv onto these structs and the tests can run them directly.

#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "review/exclusion.h"
#include "review/record_filter.h"

namespace rampart::review {

struct LogsOptions {
  std::vector<std::string> files;  // attack-log files, read in order; "-": standard input
  // Time bounds as typed (ParseTimeBound): RFC 3339, a date, or an age ("2h").
  std::string from;
  std::string to;
  RecordFilter filter;   // every criterion but the time range
  bool summary = false;  // a summary instead of the records
  size_t top = 10;
  std::string bucket;   // summary interval ("5m"); empty: chosen from the span
  bool json = false;    // records: the JSON lines as logged; summary: one JSON object
  size_t limit = 0;     // records: print at most the last N matching (0: all)
  bool follow = false;  // after the files, follow the last one as it grows (records only)
};

// Prints the matching records (or their summary) to `out`; problems (bad lines, "file:line:
// reason") to `err`. Returns the exit status: 0, or 2 on a usage error or unreadable file.
// With `follow`, runs until `stop` is set.
int RunLogs(const LogsOptions& options, std::ostream& out, std::ostream& err,
            const std::atomic<bool>& stop);

struct TuneCommandOptions {
  std::vector<std::string> files;
  FalsePositiveSelection selection;
  TuneOptions tune;
  std::string out_file;        // empty: print the proposal only
  uint32_t first_id = 10'000;  // ids of generated rules start here (SecLang's local range)
  bool json = false;
};

// Prints the plan (TunePlanText or TunePlanJson); with out_file, appends the exclusions to it and
// prints the `before_crs` line the route needs. Returns 0, 1 when nothing could be proposed, or
// 2 on a usage error or unreadable file.
int RunTune(const TuneCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace rampart::review
