#pragma once
// Engine: the process's one libmodsecurity instance (modsecurity::ModSecurity) and where rule
// sets are compiled from. Created once at startup on the main thread; shared (read-only) by every
// CompiledPolicy made from it, which keeps it alive. The server log callback is set so that
// libmodsecurity never writes to stderr: matches are read per transaction (Inspection::Findings).

#include <memory>
#include <string>

#include "core/result.h"

namespace modsecurity {
class ModSecurity;
}

namespace rampart::modsec {

class RulesCache;
struct RulesGeneration;

struct EngineOptions {
  // rampart's rules/ folder: modsecurity.conf (base config) and crs-setup.conf.
  std::string rules_dir;
  // SecUnicodeMapFile (for t:urlDecodeUni). Empty: the first of kUnicodeMapCandidates that
  // exists; none: no map (libmodsecurity then decodes %uXXXX without code-page mapping).
  std::string unicode_map_file;
};

// Where Debian puts unicode.mapping (libnginx-mod-http-modsecurity), then rules_dir.
inline constexpr const char* kUnicodeMapCandidates[] = {
    "/etc/nginx/unicode.mapping", "/usr/share/nginx/docs/modsecurity/unicode.mapping"};

class Engine : public std::enable_shared_from_this<Engine> {
 public:
  // Checks that rules_dir holds both files and resolves every path to an absolute one.
  static core::Result<std::shared_ptr<Engine>> Create(const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A new cache for one load or reload: CRS is parsed once per crs_dir in it, equal policies get
  // the same CompiledPolicy, and what the last successful load kept (RulesCache::KeepForNextLoad)
  // is reused when its files are unchanged. Main thread only.
  std::unique_ptr<RulesCache> NewRulesCache();

  // Whether this engine reads its base files from `rules_dir`.
  bool Uses(const std::string& rules_dir) const;

  // Absolute paths, after Create's checks.
  const std::string& base_conf() const { return base_conf_; }
  const std::string& crs_setup() const { return crs_setup_; }
  const std::string& unicode_map() const { return unicode_map_; }  // may be empty
  // "libmodsecurity 3.0.9" or similar, for `rampart version` and logs.
  std::string Version() const;

  // Adapter-internal.
  modsecurity::ModSecurity* handle() const { return modsec_.get(); }

 private:
  friend class RulesCache;
  Engine() = default;
  std::unique_ptr<modsecurity::ModSecurity, void (*)(modsecurity::ModSecurity*)> modsec_{nullptr,
                                                                                         nullptr};
  std::string base_conf_;
  std::string crs_setup_;
  std::string unicode_map_;
  std::shared_ptr<const RulesGeneration> last_generation_;  // see RulesCache::KeepForNextLoad
};

}  // namespace rampart::modsec
