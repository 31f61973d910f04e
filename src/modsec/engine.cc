#include "modsec/engine.h"

#include <modsecurity/modsecurity.h>

#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "modsec/rules_cache.h"

namespace rampart::modsec {
namespace {

// Matches are collected from each transaction's rule messages; the callback exists only so
// libmodsecurity does not print "Server log callback is not set" to stderr for every match.
void IgnoreServerLog(void* /*data*/, const void* /*rule_message*/) {}

void DeleteModSecurity(modsecurity::ModSecurity* ms) { delete ms; }

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

bool IsRegularFile(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace

core::Result<std::shared_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  std::shared_ptr<Engine> engine(new Engine());
  const std::string dir = Absolute(options.rules_dir.empty() ? "." : options.rules_dir);
  engine->base_conf_ = dir + "/modsecurity.conf";
  engine->crs_setup_ = dir + "/crs-setup.conf";
  for (const std::string* f : {&engine->base_conf_, &engine->crs_setup_}) {
    if (!IsRegularFile(*f)) return core::MakeError(*f + ": no such rule file");
  }
  if (!options.unicode_map_file.empty()) {
    engine->unicode_map_ = Absolute(options.unicode_map_file);
    if (!IsRegularFile(engine->unicode_map_)) {
      return core::MakeError(engine->unicode_map_ + ": no such unicode map file");
    }
  } else {
    for (const char* candidate : kUnicodeMapCandidates) {
      if (IsRegularFile(candidate)) {
        engine->unicode_map_ = candidate;
        break;
      }
    }
    if (engine->unicode_map_.empty() && IsRegularFile(dir + "/unicode.mapping")) {
      engine->unicode_map_ = dir + "/unicode.mapping";
    }
  }
  try {
    engine->modsec_ = {new modsecurity::ModSecurity(), &DeleteModSecurity};
    engine->modsec_->setConnectorInformation("rampart");
    engine->modsec_->setServerLogCb(&IgnoreServerLog, modsecurity::RuleMessageLogProperty);
  } catch (const std::exception& e) {
    return core::MakeError(std::string("libmodsecurity: ") + e.what());
  }
  return engine;
}

Engine::~Engine() = default;

bool Engine::Uses(const std::string& rules_dir) const {
  return base_conf_ == Absolute(rules_dir.empty() ? "." : rules_dir) + "/modsecurity.conf";
}

std::unique_ptr<RulesCache> Engine::NewRulesCache() {
  return std::unique_ptr<RulesCache>(new RulesCache(shared_from_this()));
}

std::string Engine::Version() const {
  try {
    return modsec_->whoAmI();
  } catch (...) {
    return "libmodsecurity";
  }
}

}  // namespace rampart::modsec
