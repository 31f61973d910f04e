#pragma once
// Reading attack-log files: every record of a set of files, or the records appended to one file
// as it grows (`--follow`, like tail -F: it notices truncation and rotation by inode and reopens
// the new file). Lines that do not parse are reported with file and line number and skipped, so
// one torn line never hides the rest of a log.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "review/attack_record.h"

namespace rampart::review {

// A line that did not read as a record: "file:line: reason".
using BadLine = std::string;

// Called for each record in file order; return false to stop reading.
using RecordSink = std::function<bool(AttackRecord&& record)>;
// Called for each bad line.
using BadLineSink = std::function<void(const BadLine& problem)>;

// Reads `path` from its start ("-": standard input). An error only when the file cannot be
// opened or read.
core::Status ReadRecords(const std::string& path, const RecordSink& sink,
                         const BadLineSink& bad_line);

struct FollowOptions {
  bool from_start = false;     // false: only records appended after the call starts
  int poll_interval_ms = 250;  // how often the file is checked for growth or rotation
  // Called once, when what the file held at the start has been read (at once when starting at
  // the end): a caller reading from the start learns where the past ends and new records begin,
  // with no gap and no record seen twice.
  std::function<void()> on_caught_up;
};

// Follows `path` until `stop` becomes true or the sink returns false: each complete line
// appended is parsed and handed over; a partial last line waits for its newline. When the file
// is truncated it reads again from the start; when another file takes its name (rotation) it
// finishes the old one and opens the new one. Waits for the file to appear if it does not exist
// yet.
core::Status FollowRecords(const std::string& path, const FollowOptions& options,
                           const std::atomic<bool>& stop, const RecordSink& sink,
                           const BadLineSink& bad_line);

}  // namespace rampart::review
