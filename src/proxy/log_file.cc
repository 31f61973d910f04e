#include "proxy/log_file.h"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>

namespace rampart::proxy {

namespace {

std::atomic<int> g_logger_seq{0};

std::shared_ptr<spdlog::details::thread_pool> SharedThreadPool() {
  // One background writer for every log file; workers hand it batches (LogBuffer), so a short
  // queue suffices. A full queue blocks rather than drops lines.
  static std::shared_ptr<spdlog::details::thread_pool> pool =
      std::make_shared<spdlog::details::thread_pool>(1024, 1);
  return pool;
}

}  // namespace

core::Result<std::shared_ptr<LogFile>> LogFile::Open(const std::string& path,
                                                     std::string_view what) {
  std::shared_ptr<LogFile> file(new LogFile());
  const std::string name = "logfile" + std::to_string(g_logger_seq.fetch_add(1));
  try {
    spdlog::sink_ptr sink;
    if (path == "-") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    }
    file->logger_ = std::make_shared<spdlog::async_logger>(
        name, std::move(sink), SharedThreadPool(), spdlog::async_overflow_policy::block);
    file->logger_->set_pattern("%v");
    file->logger_->set_level(spdlog::level::info);
    file->logger_->flush_on(spdlog::level::warn);  // lines are flushed every second by workers
  } catch (const spdlog::spdlog_ex& e) {
    return core::MakeError("cannot open " + std::string(what) + " '" + path + "': " + e.what());
  }
  return file;
}

LogFile::~LogFile() {
  if (logger_) logger_->flush();
}

void LogFile::Write(std::string_view lines) { logger_->info(lines); }

void LogFile::Flush() {
  if (logger_) logger_->flush();
}

}  // namespace rampart::proxy
