// `rampart logs`: RunLogs. (RunTune is in tune_command.cc.)

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <ostream>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/strings.h"
#include "review/commands.h"
#include "review/log_reader.h"
#include "review/printable.h"
#include "review/summary.h"

namespace rampart::review {

namespace {

constexpr int kUsageError = 2;

// A field for a line of text: "-" when empty, else printable.
std::string Field(std::string_view value) { return value.empty() ? "-" : PrintableText(value); }

// One record as a line of text: time action status source client country method uri
// route=... rules=id,id id=...
std::string RecordLine(const AttackRecord& record) {
  std::string rules;
  std::vector<std::string_view> seen;
  for (const LoggedRule& rule : record.rules) {
    if (rule.id.empty() || std::find(seen.begin(), seen.end(), rule.id) != seen.end()) continue;
    seen.push_back(rule.id);
    if (!rules.empty()) rules += ',';
    rules += rule.id;
  }
  const std::string status = std::to_string(record.status);
  std::string line = Field(record.time);
  for (const std::string_view part :
       {std::string_view(record.action), std::string_view(status), std::string_view(record.source),
        std::string_view(record.client_ip), std::string_view(record.country),
        std::string_view(record.method), std::string_view(record.uri)}) {
    line += ' ';
    line += Field(part);
  }
  line += " route=" + Field(record.route);
  line += " rules=" + Field(rules);
  line += " id=" + Field(record.request_id);
  return line;
}

// Fails when `path` cannot be opened, before anything is printed.
core::Status CheckReadable(const std::string& path) {
  if (path == "-") return {};
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return core::MakeError("cannot open " + path + ": " + std::strerror(errno));
  close(fd);
  return {};
}

}  // namespace

int RunLogs(const LogsOptions& options, std::ostream& out, std::ostream& err,
            const std::atomic<bool>& stop) {
  const auto usage = [&err](const std::string& message) {
    err << "rampart logs: " << message << "\n";
    return kUsageError;
  };
  if (options.files.empty()) return usage("no attack-log file given");
  if (options.follow && options.summary) {
    return usage("--follow prints records as they come; it does not go with --summary");
  }
  if (options.follow && options.files.back() == "-") {
    return usage("--follow needs a file to follow, not standard input");
  }

  RecordFilter filter = options.filter;
  const int64_t now = NowEpochMs();
  for (const auto& [name, text, bound] : {std::tuple{"--from", &options.from, &filter.from_ms},
                                          std::tuple{"--to", &options.to, &filter.to_ms}}) {
    if (text->empty()) continue;
    const std::optional<int64_t> ms = ParseTimeBound(*text, now);
    if (!ms) {
      return usage(std::string(name) + ": '" + *text +
                   "' is not an RFC 3339 time, a date (2026-11-23) or an age (30m, 2h, 7d)");
    }
    *bound = *ms;
  }
  auto compiled = CompiledFilter::Compile(filter);
  if (!compiled.ok()) return usage(compiled.error().message);

  SummaryOptions summary_options;
  summary_options.top = options.top;
  if (!options.bucket.empty()) {
    const std::optional<uint64_t> ms = core::ParseDurationMs(options.bucket);
    // Below a second the buckets say nothing the records do not.
    if (!ms || *ms < 1000 || *ms > static_cast<uint64_t>(INT64_MAX)) {
      return usage("--bucket: '" + options.bucket + "' is not a duration of 1s or more (5m, 1h)");
    }
    summary_options.bucket_ms = static_cast<int64_t>(*ms);
  }
  for (const std::string& file : options.files) {
    if (auto readable = CheckReadable(file); !readable) return usage(readable.error().message);
  }

  uint64_t bad_lines = 0;
  const BadLineSink on_bad_line = [&](const BadLine& problem) {
    ++bad_lines;
    err << problem << "\n";
  };
  const auto report_bad_lines = [&] {
    if (bad_lines > 0) {
      err << "rampart logs: " << bad_lines
          << (bad_lines == 1 ? " line could not be read and was skipped\n"
                             : " lines could not be read and were skipped\n");
    }
  };
  const auto format = [&](const AttackRecord& record) {
    return options.json ? record.line : RecordLine(record);
  };

  std::vector<AttackRecord> selected;  // --summary
  std::deque<std::string> last;        // --limit
  const RecordSink on_record = [&](AttackRecord&& record) {
    if (!compiled->Matches(record)) return !stop.load();
    if (options.summary) {
      // The summary needs neither; dropping them keeps a large selection small.
      record.line = std::string();
      record.headers = {};
      selected.push_back(std::move(record));
    } else if (options.limit > 0) {
      last.push_back(format(record));
      if (last.size() > options.limit) last.pop_front();
    } else {
      out << format(record) << "\n";
    }
    return !stop.load();
  };
  // With --follow the last file is the follower's from its start: it tells when the records
  // that were there are read, so no record appended meanwhile is missed or printed twice.
  const size_t read_whole = options.follow ? options.files.size() - 1 : options.files.size();
  for (size_t i = 0; i < read_whole; ++i) {
    if (auto read = ReadRecords(options.files[i], on_record, on_bad_line); !read) {
      report_bad_lines();
      return usage(read.error().message);
    }
    if (stop.load()) break;  // interrupted: what was read is not the whole answer
  }
  if (stop.load()) {
    report_bad_lines();
    return 0;
  }

  if (!options.follow) {
    if (options.summary) {
      const Summary summary = Summarize(selected, summary_options);
      out << (options.json ? SummaryJson(summary) + "\n" : SummaryText(summary));
    }
    for (const std::string& line : last) out << line << "\n";
    out.flush();
  } else {
    bool caught_up = false;
    FollowOptions follow_options;
    follow_options.from_start = true;
    follow_options.on_caught_up = [&] {
      for (const std::string& line : last) out << line << "\n";
      last.clear();
      out.flush();
      caught_up = true;
    };
    const RecordSink on_followed = [&](AttackRecord&& record) {
      if (!caught_up) return on_record(std::move(record));
      if (compiled->Matches(record)) out << format(record) << std::endl;  // someone is watching
      return true;
    };
    if (auto followed =
            FollowRecords(options.files.back(), follow_options, stop, on_followed, on_bad_line);
        !followed) {
      report_bad_lines();
      err << "rampart logs: " << followed.error().message << "\n";
      return kUsageError;
    }
  }
  report_bad_lines();
  return 0;
}

}  // namespace rampart::review
