#include "review/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

#include "core/unique_fd.h"

namespace rampart::review {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// A line longer than this is not a record rampart wrote (records are cut far below it); it is
// skipped rather than buffered without bound.
constexpr size_t kMaxLineBytes = 16 * 1024 * 1024;

std::string ErrnoText() { return std::strerror(errno); }

// Splits bytes into lines, parses each and hands records and bad lines to the sinks. Keeps the
// last line until its newline arrives. Owned by one reader on one thread.
class LineAssembler {
 public:
  LineAssembler(std::string name, const RecordSink& sink, const BadLineSink& bad_line)
      : name_(std::move(name)), sink_(sink), bad_line_(bad_line) {}

  // Takes the next bytes of the file. Returns false when the sink asked to stop.
  bool Feed(std::string_view bytes) {
    while (!bytes.empty()) {
      const size_t newline = bytes.find('\n');
      const std::string_view piece = bytes.substr(0, newline);
      if (skipping_partial_) {
        skipped_bytes_ += piece.size() + (newline == std::string_view::npos ? 0 : 1);
      } else if (!overlong_) {
        if (pending_.size() + piece.size() > kMaxLineBytes) {
          overlong_ = true;
          pending_.clear();
          pending_.shrink_to_fit();
        } else {
          pending_.append(piece);
        }
      }
      if (newline == std::string_view::npos) return true;
      bytes.remove_prefix(newline + 1);
      if (skipping_partial_) {
        skipping_partial_ = false;
        continue;
      }
      if (!EndLine()) return false;
    }
    return true;
  }

  // The input ended: a last line without its newline is read as it is. Returns false when the
  // sink asked to stop.
  bool Finish() {
    skipping_partial_ = false;
    if (pending_.empty() && !overlong_) return true;
    return EndLine();
  }

  // Starts over at line 1 (the file was truncated): what was pending is dropped.
  void Restart(std::string name) {
    name_ = std::move(name);
    pending_.clear();
    overlong_ = false;
    skipping_partial_ = false;
    line_number_ = 0;
  }

  // The input starts in the middle of a line: everything up to the first newline is dropped.
  void SkipFirstPartialLine() { skipping_partial_ = true; }
  // How many bytes SkipFirstPartialLine dropped.
  uint64_t skipped_bytes() const { return skipped_bytes_; }

 private:
  bool EndLine() {
    ++line_number_;
    if (overlong_) {
      overlong_ = false;
      Report("longer than " + std::to_string(kMaxLineBytes / (1024 * 1024)) + " MiB, skipped");
      return true;
    }
    std::string_view line = pending_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool blank =
        std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t'; });
    bool go_on = true;
    if (!blank) {
      auto record = ParseAttackRecord(line);
      if (record.ok()) {
        go_on = sink_(std::move(record).value());
      } else {
        Report(record.error().message);
      }
    }
    pending_.clear();
    return go_on;
  }

  void Report(const std::string& reason) {
    if (bad_line_) bad_line_(name_ + ":" + std::to_string(line_number_) + ": " + reason);
  }

  std::string name_;
  const RecordSink& sink_;
  const BadLineSink& bad_line_;
  std::string pending_;
  bool overlong_ = false;
  bool skipping_partial_ = false;
  uint64_t skipped_bytes_ = 0;
  uint64_t line_number_ = 0;
};

using Fd = core::UniqueFd;

enum class ReadOutcome {
  kEnd,      // read to the end of what the file holds now
  kStopped,  // the sink asked to stop
  kError,    // read() failed; errno says why
};

// Reads from the descriptor's position to its current end into the assembler.
ReadOutcome ReadToEnd(int fd, LineAssembler& lines, uint64_t* offset) {
  std::string buffer(kReadChunk, '\0');
  while (true) {
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ReadOutcome::kError;
    }
    if (n == 0) return ReadOutcome::kEnd;
    if (offset != nullptr) *offset += static_cast<uint64_t>(n);
    if (!lines.Feed(std::string_view(buffer.data(), static_cast<size_t>(n)))) {
      return ReadOutcome::kStopped;
    }
  }
}

core::Result<Fd> OpenForReading(const std::string& path) {
  if (path == "-") {
    // A duplicate, so that closing it leaves standard input open.
    const int fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return core::MakeError("cannot read standard input: " + ErrnoText());
    return Fd(fd);
  }
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::MakeError("cannot open " + path + ": " + ErrnoText());
  return Fd(fd);
}

std::string DisplayName(const std::string& path) { return path == "-" ? "<stdin>" : path; }

// Reads `fd` from where it is to its end, the last line included even without its newline.
core::Status ReadAll(const Fd& fd, const std::string& path, LineAssembler& lines) {
  switch (ReadToEnd(fd.get(), lines, nullptr)) {
    case ReadOutcome::kStopped:
      return {};
    case ReadOutcome::kError:
      return core::MakeError("cannot read " + DisplayName(path) + ": " + ErrnoText());
    case ReadOutcome::kEnd:
      break;
  }
  (void)lines.Finish();
  return {};
}

// Follows one path across truncation and rotation; see FollowRecords. Used on one thread.
class Follower {
 public:
  Follower(const std::string& path, const FollowOptions& options, const std::atomic<bool>& stop,
           const RecordSink& sink, const BadLineSink& bad_line)
      : path_(path), options_(options), stop_(stop), lines_(path, sink, bad_line) {}

  core::Status Run() {
    if (auto opened = Open(!options_.from_start); !opened) return opened;
    while (!stop_.load()) {
      if (fd_.valid()) {
        switch (ReadToEnd(fd_.get(), lines_, &offset_)) {
          case ReadOutcome::kStopped:
            return {};
          case ReadOutcome::kError:
            return core::MakeError("cannot read " + path_ + ": " + ErrnoText());
          case ReadOutcome::kEnd:
            break;
        }
        CaughtUp();
        struct stat own {};
        if (fstat(fd_.get(), &own) == 0 && static_cast<uint64_t>(own.st_size) < offset_) {
          // Truncated (copytruncate rotation, or `: > file`): read it again from the start.
          if (lseek(fd_.get(), 0, SEEK_SET) < 0) {
            return core::MakeError("cannot rewind " + path_ + ": " + ErrnoText());
          }
          offset_ = 0;
          lines_.Restart(path_);
          continue;
        }
      }
      struct stat named {};
      const bool exists = stat(path_.c_str(), &named) == 0;
      if (exists && (!fd_.valid() || named.st_dev != dev_ || named.st_ino != ino_)) {
        // Another file took the name (or the first one appeared): finish the old one, which a
        // writer may have added to since the last read, then read the new one from its start.
        if (fd_.valid()) {
          if (ReadToEnd(fd_.get(), lines_, &offset_) == ReadOutcome::kStopped) return {};
          if (!lines_.Finish()) return {};
          fd_.Close();
        }
        if (auto opened = Open(false); !opened) return opened;
        continue;
      }
      if (!fd_.valid()) CaughtUp();  // no file yet: there is no past to read
      Sleep();
    }
    return {};
  }

 private:
  void CaughtUp() {
    if (caught_up_) return;
    caught_up_ = true;
    if (options_.on_caught_up) options_.on_caught_up();
  }

  // Opens the path (a missing file is not an error: it is waited for). `at_end`: start at the
  // current end, after the last complete line.
  core::Status Open(bool at_end) {
    const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return {};
      return core::MakeError("cannot open " + path_ + ": " + ErrnoText());
    }
    fd_ = Fd(fd);
    struct stat st {};
    if (fstat(fd, &st) != 0) return core::MakeError("cannot stat " + path_ + ": " + ErrnoText());
    dev_ = st.st_dev;
    ino_ = st.st_ino;
    offset_ = 0;
    lines_.Restart(path_);
    if (at_end && st.st_size > 0) {
      offset_ = static_cast<uint64_t>(st.st_size);
      // The writer may be in the middle of a line: its rest is not a record of its own.
      char last = '\n';
      if (pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n') lines_.SkipFirstPartialLine();
      if (lseek(fd, st.st_size, SEEK_SET) < 0) {
        return core::MakeError("cannot seek in " + path_ + ": " + ErrnoText());
      }
    }
    return {};
  }

  // Waits one poll interval, looking at the stop flag often so that stopping is quick.
  void Sleep() const {
    constexpr auto kSlice = std::chrono::milliseconds(20);
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::milliseconds(std::max(options_.poll_interval_ms, 1));
    while (!stop_.load()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= until) return;
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(until - now, kSlice));
    }
  }

  const std::string& path_;
  const FollowOptions& options_;
  const std::atomic<bool>& stop_;
  LineAssembler lines_;
  Fd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;  // how far fd_ has been read
  bool caught_up_ = false;
};

}  // namespace

core::Status ReadRecords(const std::string& path, const RecordSink& sink,
                         const BadLineSink& bad_line) {
  auto fd = OpenForReading(path);
  if (!fd.ok()) return fd.error();
  LineAssembler lines(DisplayName(path), sink, bad_line);
  return ReadAll(fd.value(), path, lines);
}

core::Status FollowRecords(const std::string& path, const FollowOptions& options,
                           const std::atomic<bool>& stop, const RecordSink& sink,
                           const BadLineSink& bad_line) {
  Follower follower(path, options, stop, sink, bad_line);
  return follower.Run();
}

}  // namespace rampart::review
