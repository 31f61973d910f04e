#include "server/attack_log_window.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/unique_fd.h"

namespace rampart::server {

void AttackLogWindow::Reset(const std::string& path, ino_t inode) {
  path_ = path;
  inode_ = inode;
  window_start_ = 0;
  read_to_ = 0;
  window_bytes_ = 0;
  records_.clear();
  bad_lines_ = 0;
  skipping_line_ = false;
}

core::Status AttackLogWindow::Refresh(const std::string& path) {
  const core::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      Reset(path, 0);
      return {};
    }
    return core::MakeError("cannot open attack log '" + path + "': " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return core::MakeError("cannot stat attack log '" + path + "': " + std::strerror(errno));
  }
  const auto size = static_cast<uint64_t>(st.st_size);
  if (path != path_ || st.st_ino != inode_ || size < read_to_) Reset(path, st.st_ino);
  // More new bytes than the window holds (a first look at a large log, or a burst): the newest
  // records are what the dashboard is for, so start again from the tail.
  if (size - read_to_ > kWindowBytes) {
    Reset(path, st.st_ino);
    window_start_ = read_to_ = size - kWindowBytes;
    skipping_line_ = true;  // the tail starts inside a line
  }
  if (size == read_to_) return {};
  std::string buffer(size - read_to_, '\0');
  size_t got = 0;
  while (got < buffer.size()) {
    const ssize_t n = ::pread(fd.get(), buffer.data() + got, buffer.size() - got,
                              static_cast<off_t>(read_to_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return core::MakeError("cannot read attack log '" + path + "': " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buffer.resize(got);
  std::string_view text = buffer;
  if (skipping_line_) {
    const size_t newline = text.find('\n');
    if (newline == std::string_view::npos) {
      read_to_ += text.size();
      return {};
    }
    text.remove_prefix(newline + 1);
    read_to_ += newline + 1;
    skipping_line_ = false;
  }
  // A last line without its newline is still being written: it waits for the next look, unless
  // it is longer than any record can be — then it is a bad line, skipped up to its newline, so
  // one broken write never stops the window from following the log.
  const size_t last_newline = text.rfind('\n');
  const size_t complete = last_newline == std::string_view::npos ? 0 : last_newline + 1;
  Append(text.substr(0, complete));
  read_to_ += complete;
  if (text.size() - complete > kMaxLineBytes) {
    ++bad_lines_;
    read_to_ += text.size() - complete;
    skipping_line_ = true;
  }
  return {};
}

void AttackLogWindow::Append(std::string_view lines) {
  while (!lines.empty()) {
    const size_t newline = lines.find('\n');
    const std::string_view line = lines.substr(0, newline);
    lines.remove_prefix(newline == std::string_view::npos ? lines.size() : newline + 1);
    if (line.empty()) continue;
    auto record = review::ParseAttackRecord(line);
    if (!record.ok()) {
      ++bad_lines_;
      continue;
    }
    window_bytes_ += line.size() + 1;
    // The filters and the summary never read the parsed headers, and the page shows the record
    // from `line`: keeping them would double the window's memory.
    record->headers = {};
    records_.push_back(std::move(record).value());
  }
  // Keep about kWindowBytes of records: the oldest go first.
  while (window_bytes_ > kWindowBytes && !records_.empty()) {
    window_bytes_ -= std::min(window_bytes_, records_.front().line.size() + 1);
    window_start_ += records_.front().line.size() + 1;
    records_.pop_front();
  }
}

}  // namespace rampart::server
