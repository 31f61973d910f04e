#pragma once
// AttackLogWindow: the dashboard's view of the attack log — the records in the last
// kWindowBytes of the file, parsed once and then kept up to date by reading only what was
// appended since the last look (or, when more than the window was appended, the tail again). The
// admin listener answers on the main thread, so a dashboard refreshing every few seconds must not
// re-parse a large log each time; older history is what `rampart logs` is for. A truncated or
// rotated file (another inode) is read again from its tail.

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <string>

#include "review/attack_record.h"

namespace rampart::server {

class AttackLogWindow {
 public:
  static constexpr uint64_t kWindowBytes = 16 * 1024 * 1024;
  // A record is at most 64 KiB (proxy/attack_log.h); a "line" far longer is a broken write.
  static constexpr uint64_t kMaxLineBytes = 1024 * 1024;

  // Brings the window up to date with `path` (which may have changed on a reload). An error
  // when the file cannot be read; a missing file is an empty log.
  core::Status Refresh(const std::string& path);

  // Oldest first.
  const std::deque<review::AttackRecord>& records() const { return records_; }
  // Lines in the window that did not read as records.
  uint64_t bad_lines() const { return bad_lines_; }
  // Bytes of the file before the window (not read).
  uint64_t skipped_bytes() const { return window_start_; }

 private:
  void Reset(const std::string& path, ino_t inode);
  void Append(std::string_view lines);

  std::string path_;
  ino_t inode_ = 0;
  uint64_t window_start_ = 0;  // file offset of the first byte read
  uint64_t read_to_ = 0;       // file offset after the last complete line read
  uint64_t window_bytes_ = 0;  // bytes of the records held
  std::deque<review::AttackRecord> records_;
  uint64_t bad_lines_ = 0;
  bool skipping_line_ = false;  // the next bytes up to a newline are not part of a record
};

}  // namespace rampart::server
