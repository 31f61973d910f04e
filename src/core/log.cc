#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>

namespace rampart::core {

Status CheckLogDirectory(const std::string& path) {
  if (path.empty() || path == "-") return {};
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(parent, ec)) {
    return MakeError("directory '" + parent.string() + "' does not exist");
  }
  return {};
}

Status SetUpLogging(const std::string& level, const std::string& path) {
  const auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off") {
    return MakeError("unknown log level '" + level + "'");
  }
  if (auto status = CheckLogDirectory(path); !status.ok()) return status;
  try {
    std::shared_ptr<spdlog::logger> logger;
    if (path.empty()) {
      logger = std::make_shared<spdlog::logger>(
          "rampart", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    } else {
      logger = std::make_shared<spdlog::logger>(
          "rampart", std::make_shared<spdlog::sinks::basic_file_sink_mt>(path));
    }
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z [%l] %v");
    spdlog::set_default_logger(std::move(logger));
  } catch (const spdlog::spdlog_ex& e) {
    return MakeError(std::string("cannot open log: ") + e.what());
  }
  return {};
}

}  // namespace rampart::core
