#include "server/runtime_builder.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "config/waf_profiles.h"
#include "core/log.h"
#include "core/strings.h"
#include "fastpath/fast_path.h"
#include "modsec/body_view.h"
#include "modsec/engine.h"
#include "modsec/rules_cache.h"
#include "server/access_stages.h"
#include "server/auth_stages.h"
#include "server/bot_setup.h"
#include "server/state_setup.h"
#include "server/tls_setup.h"
#include "signatures/database.h"
#include "signatures/pack_loader.h"
#include "stages/bot/bot_stage.h"
#include "stages/headers/headers_stage.h"
#include "stages/ip_reputation/ip_reputation_stage.h"
#include "stages/signatures/signatures_stage.h"
#include "stages/waf/waf_stage.h"
#include "state/store.h"

#ifndef RAMPART_RULES_DIR
#define RAMPART_RULES_DIR "rules"
#endif

namespace rampart::server {

namespace {

std::string Where(const config::SourceMark& mark) {
  return mark.file + ":" + std::to_string(mark.line) + ": ";
}

std::string JoinWords(const std::vector<std::string>& words, const char* left, const char* right) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += left;
    out += w;
    out += right;
  }
  return out;
}

// A route's `waf` section (and the top-level one) in the adapter's terms.
modsec::Policy MakePolicy(const config::WafConfig& waf, const config::WafGlobalConfig& global) {
  modsec::Policy p;
  p.crs_dir = global.crs_dir;
  p.detect_only = waf.mode == config::WafConfig::Mode::kDetect;
  p.paranoia = static_cast<int>(waf.paranoia);
  p.executing_paranoia = static_cast<int>(waf.executing_paranoia);
  p.inbound_threshold = static_cast<int>(waf.inbound_threshold);
  p.outbound_threshold = static_cast<int>(waf.outbound_threshold);
  p.allowed_methods = JoinWords(waf.allowed_methods, "", "");
  // The types rampart reads for the WAF (body views) are allowed only while it reads them.
  std::vector<std::string> content_types = waf.allowed_content_types;
  if (waf.body_views) {
    if (content_types.empty()) content_types = config::CrsContentTypes();
    for (const std::string& type : modsec::BodyViewMediaTypes()) {
      if (std::find(content_types.begin(), content_types.end(), type) == content_types.end()) {
        content_types.push_back(type);
      }
    }
  }
  p.allowed_content_types = JoinWords(content_types, "|", "|");
  p.allowed_http_versions = JoinWords(waf.allowed_http_versions, "", "");
  p.request_body_limit = static_cast<size_t>(waf.request_body_limit);
  p.request_body_limit_action = waf.request_body_inspect_partial ? modsec::BodyLimitAction::kPartial
                                                                 : modsec::BodyLimitAction::kReject;
  p.inspect_response = waf.response_inspection;
  p.response_body_limit = static_cast<size_t>(waf.response_body_limit);
  for (const auto& e : waf.exclusions) {
    modsec::RuleExclusion x;
    if (!e.tag.empty()) {
      x.kind = modsec::RuleExclusion::Kind::kByTag;
      x.rule = e.tag;
    } else if (!e.target.empty()) {
      x.kind = modsec::RuleExclusion::Kind::kTargetById;
      x.rule = std::to_string(e.id);
      x.target = e.target;
    } else {
      x.kind = modsec::RuleExclusion::Kind::kById;
      x.rule = std::to_string(e.id);
      if (e.id_last != 0) x.rule += "-" + std::to_string(e.id_last);
    }
    p.exclusions.push_back(std::move(x));
  }
  // The profile's rule files come first, so the route's own files can undo what they do.
  if (waf.profile != config::WafConfig::Profile::kCrs) {
    const std::string dir =
        std::filesystem::absolute(WafRulesDir(global)).lexically_normal().string() + "/profiles/" +
        std::string(config::WafProfileName(waf.profile));
    p.before_crs.push_back(dir + "/before-crs.conf");
    p.after_crs.push_back(dir + "/after-crs.conf");
    if (waf.paranoia_from_profile) p.after_crs.push_back(dir + "/precise-rules.conf");
  }
  p.before_crs.insert(p.before_crs.end(), waf.before_crs.begin(), waf.before_crs.end());
  p.after_crs.insert(p.after_crs.end(), waf.after_crs.begin(), waf.after_crs.end());
  return p;
}

// What the waf stages of one build share: the engine, the build's rules cache (CRS parsed once)
// and the block page.
struct WafBuild {
  std::shared_ptr<modsec::Engine>* engine = nullptr;
  std::unique_ptr<modsec::RulesCache> cache;
  // Fast paths by compiled policy (routes with equal policies share one); null: none possible.
  std::map<const modsec::CompiledPolicy*, std::shared_ptr<const fastpath::FastPath>> fast_paths;
  std::optional<std::string> block_page;  // read once per build; unset: unreadable (reported)
  bool failed = false;                    // the engine failed (reported once)
};

// The stages a route runs, in the order of docs/architecture.md. Later issues add their stages
// here; the waf stage comes first among today's, and the headers stage stays last so every check
// sees the request as the client sent it.
// The route's stages in design.md's order: signatures, waf, headers.
pipeline::Chain BuildChain(const config::RouteConfig& rc,
                           std::vector<std::shared_ptr<const pipeline::StageFactory>> access,
                           std::shared_ptr<const pipeline::StageFactory> signatures,
                           std::shared_ptr<const pipeline::StageFactory> waf) {
  std::vector<std::shared_ptr<const pipeline::StageFactory>> factories = std::move(access);
  if (signatures) factories.push_back(std::move(signatures));
  if (waf) factories.push_back(std::move(waf));
  if (!rc.set_request_headers.empty() || !rc.set_response_headers.empty()) {
    factories.push_back(std::make_shared<stages::headers::HeadersStageFactory>(
        rc.set_request_headers, rc.set_response_headers));
  }
  return pipeline::Chain(std::move(factories));
}

void CheckLogPath(const std::string& path, const std::string& key, const std::string& file,
                  std::vector<std::string>& errors) {
  if (auto status = core::CheckLogDirectory(path); !status.ok()) {
    errors.push_back(file + ":0: " + key + ": " + status.error().message);
  }
}

// The admin API's bearer token: the file's first line, which must not be empty. A file that
// others may read is refused, as ssh refuses a readable private key.
core::Result<std::string> ReadAdminToken(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return core::MakeError("cannot read " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return core::MakeError(path + " must not be readable by group or others (chmod 600)");
  }
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) {
    return core::MakeError("cannot read " + path);
  }
  if (!token.empty() && token.back() == '\r') token.pop_back();  // a file written on Windows
  token = std::string(core::TrimOws(token));
  for (unsigned char c : token) {
    if (c < 0x21 || c == 0x7f) {
      return core::MakeError(path + ": the token must not contain spaces or control characters");
    }
  }
  if (token.size() < 16) {
    return core::MakeError(path + ": the token must be at least 16 characters");
  }
  return token;
}

// The signature database of one build: loaded and compiled once, for the first route that
// uses signatures, and shared by every such route.
struct SignaturesBuild {
  std::shared_ptr<const signatures::Database> database;
  bool failed = false;
};

// The signatures stage of route `index`, or null (not configured, disabled, or an error added
// to `errors`).
std::shared_ptr<const pipeline::StageFactory> BuildSignaturesStage(
    const config::Config& config, size_t index, SignaturesBuild& build,
    std::shared_ptr<const stages::bot::Challenger> challenger, std::vector<std::string>& errors) {
  const config::RouteConfig& rc = config.routes[index];
  if (!rc.signatures || !rc.signatures->enabled || build.failed) return nullptr;
  const config::SignaturesGlobalConfig& global = config.signatures;
  if (!build.database) {
    const std::string dir =
        global.dir.empty() ? WafRulesDir(config.waf) + "/signatures" : global.dir;
    auto loaded = signatures::LoadPackDir(dir);
    if (auto* errs = std::get_if<std::vector<std::string>>(&loaded)) {
      errors.insert(errors.end(), errs->begin(), errs->end());
      build.failed = true;
      return nullptr;
    }
    std::vector<signatures::Signature> chosen;
    std::set<std::string> wanted(global.packs.begin(), global.packs.end());
    std::set<std::string> found;
    for (signatures::Pack& pack : std::get<std::vector<signatures::Pack>>(loaded)) {
      found.insert(pack.name);
      const bool use = global.packs.empty() ? !pack.opt_in : wanted.count(pack.name) > 0;
      if (!use) continue;
      for (signatures::Signature& s : pack.signatures) chosen.push_back(std::move(s));
    }
    for (const std::string& name : wanted) {
      if (found.count(name) == 0) {
        errors.push_back(config.source_file + ":0: signatures.packs: no pack '" + name + "' in " +
                         dir);
        build.failed = true;
      }
    }
    if (build.failed) return nullptr;
    auto compiled = signatures::Database::Compile(std::move(chosen), global.cache_dir);
    if (auto* errs = std::get_if<std::vector<std::string>>(&compiled)) {
      errors.insert(errors.end(), errs->begin(), errs->end());
      build.failed = true;
      return nullptr;
    }
    build.database = std::get<std::shared_ptr<const signatures::Database>>(compiled);
  }
  stages::signatures::RouteSettings settings;
  settings.route_name = rc.name;
  settings.challenge_score = rc.signatures->challenge_score;
  settings.block_score = rc.signatures->block_score;
  settings.body_limit = global.body_limit;
  // Never wait for more of the body than the route's WAF reads: a body over the WAF's limit is
  // refused (413) or streamed on (inspect_partial) as soon as that limit is passed.
  if (rc.waf && rc.waf->mode != config::WafConfig::Mode::kOff) {
    settings.body_limit = std::min(settings.body_limit, rc.waf->request_body_limit);
  }
  settings.challenger = std::move(challenger);
  return std::make_shared<stages::signatures::SignaturesStageFactory>(build.database,
                                                                      std::move(settings));
}

// The block page template (waf.block_page) every blocking stage answers with; "" for the
// built-in one; nullopt after reporting an unreadable file.
std::optional<std::string> ReadBlockPage(const config::Config& config,
                                         std::vector<std::string>& errors) {
  const std::string& path = config.waf.block_page;
  if (path.empty()) return std::string();
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    errors.push_back(config.source_file + ":0: waf.block_page: cannot read " + path);
    return std::nullopt;
  }
  return text.str();
}

// The waf stage of route `index`, or null (no WAF, mode off, or an error added to `errors`).
std::shared_ptr<const pipeline::StageFactory> BuildWafStage(const config::Config& config,
                                                            size_t index, WafBuild& build,
                                                            std::vector<std::string>& errors) {
  const config::RouteConfig& rc = config.routes[index];
  if (!rc.waf || rc.waf->mode == config::WafConfig::Mode::kOff || build.failed) return nullptr;
  const std::string where = Where(rc.waf->mark) + "routes[" + std::to_string(index) + "].waf: ";
  if (!build.cache) {
    const std::string rules_dir = WafRulesDir(config.waf);
    // A reload that names another rules_dir gets a new Engine (and parses everything anew).
    if (!*build.engine || !(*build.engine)->Uses(rules_dir)) {
      auto engine = modsec::Engine::Create({rules_dir, ""});
      if (!engine.ok()) {
        errors.push_back(where + engine.error().message);
        build.failed = true;
        return nullptr;
      }
      *build.engine = engine.value();
    }
    build.cache = (*build.engine)->NewRulesCache();
  }
  if (!build.block_page) return nullptr;  // unreadable: reported once, by BuildRuntime
  auto compiled = build.cache->Get(MakePolicy(*rc.waf, config.waf));
  if (!compiled.ok()) {
    errors.push_back(where + compiled.error().message);
    return nullptr;
  }
  std::shared_ptr<const fastpath::FastPath> fast_path;
  // Response inspection needs libmodsecurity's transaction of the request: no fast path then.
  if (rc.waf->fast_path && !rc.waf->response_inspection) {
    auto [it, added] = build.fast_paths.emplace(compiled.value().get(), nullptr);
    if (added) {
      auto made = fastpath::FastPath::Compile(compiled.value());
      if (made.ok()) {
        it->second = made.value();
      } else {
        spdlog::info("{}fast path off: {}", where, made.error().message);
      }
    }
    fast_path = it->second;
  }
  return std::make_shared<stages::waf::WafStageFactory>(compiled.value(), *build.block_page,
                                                        rc.waf->body_views, fast_path);
}

}  // namespace

std::string WafRulesDir(const config::WafGlobalConfig& waf) {
  if (!waf.rules_dir.empty()) return waf.rules_dir;
  const char* env = std::getenv("RAMPART_RULES_DIR");
  if (env != nullptr && *env != '\0') return env;
  std::error_code ec;
  if (std::filesystem::is_regular_file(RAMPART_SOURCE_RULES_DIR "/modsecurity.conf", ec)) {
    return RAMPART_SOURCE_RULES_DIR;
  }
  return RAMPART_INSTALLED_RULES_DIR;
}

BuildResult BuildRuntime(const config::Config& config, const BuildOptions& options) {
  std::vector<std::string> errors;
  auto runtime = std::make_shared<proxy::Runtime>();
  runtime->generation = options.generation;
  runtime->config = config;
  runtime->parse_limits.max_request_line = config.limits.max_request_line;
  runtime->parse_limits.max_header_bytes = config.limits.max_header_bytes;
  runtime->parse_limits.max_header_count = config.limits.max_header_count;

  for (const auto& cidr : config.trusted_proxies) {
    auto status = runtime->trusted_proxies.Add(cidr);
    if (!status.ok())
      errors.push_back(config.source_file + ":0: trusted_proxies: " + status.error().message);
  }

  upstream::StateRegistry private_states;
  upstream::StateRegistry& states = options.states != nullptr ? *options.states : private_states;
  std::map<std::string, size_t> pool_index;
  std::set<std::string> failed_pools;  // already reported: routes using them say nothing more
  for (const auto& [name, pc] : config.pools) {
    auto pool = upstream::Pool::Build(pc, states);
    if (!pool.ok()) {
      errors.push_back(Where(pc.mark) + "pools." + name + ": " + pool.error().message);
      failed_pools.insert(name);
      continue;
    }
    pool_index[name] = runtime->pools.size();
    runtime->pools.push_back(std::move(pool).value());
  }
  BuildPoolTls(config, *runtime, errors);
  BuildListenerTls(config, options.ticket_keys, options.acme_challenges, *runtime, errors);

  std::shared_ptr<modsec::Engine> private_engine;
  WafBuild waf_build;
  waf_build.engine = options.waf_engine != nullptr ? options.waf_engine : &private_engine;
  // Every blocking stage answers with it: read once here.
  waf_build.block_page = ReadBlockPage(config, errors);

  SignaturesBuild signatures_build;
  // Counters and bans outlive runtimes (the server's store); `check` gets a private one.
  std::shared_ptr<state::Store> store = options.store;
  if (!store) {
    // `check`: the state section is checked as `run` would make it (nothing connects here).
    auto made = MakeStore(config.state);
    if (made.ok()) {
      store = made.value();
    } else {
      errors.push_back(Where(config.state.mark) + made.error().message);
      store = std::make_shared<state::Store>(state::StoreOptions{}, nullptr);
    }
  }
  AccessShared access = BuildAccessShared(config, errors);
  runtime->watched_files = access.watched;
  // The bot challenge: keys and counters outlive runtimes (the server's); `check` gets its own.
  BotShared bot_shared = BuildBotShared(config, WafRulesDir(config.waf), errors);
  for (auto& stamp : StampFiles(bot_shared.files)) runtime->watched_files.push_back(stamp);
  std::shared_ptr<stages::bot::BotKeyRing> bot_keys = options.bot_keys;
  if (!bot_keys) {
    bot_keys = std::make_shared<stages::bot::BotKeyRing>();
    bot_keys->Set(LocalBotKeys(std::chrono::milliseconds(config.bot.rotation_ms)));
  }
  runtime->ip_lists.allow_ranges = access.lists->allow.range_count();
  runtime->ip_lists.deny_ranges = access.lists->deny.range_count();
  runtime->ip_lists.bytes = access.lists->allow.memory_bytes() + access.lists->deny.memory_bytes();
  const std::string block_page = waf_build.block_page.value_or("");
  std::vector<std::shared_ptr<const routing::Route>> routes;
  for (size_t route_index = 0; route_index < config.routes.size(); ++route_index) {
    const auto& rc = config.routes[route_index];
    auto waf_stage = BuildWafStage(config, route_index, waf_build, errors);
    auto route = std::make_shared<routing::Route>();
    route->name = rc.name;
    const std::string& host = rc.match.host;
    if (core::StartsWith(host, "*.")) {
      route->host = core::ToLower(host.substr(1));
      route->host_wildcard = true;
    } else {
      route->host = core::ToLower(host);
    }
    route->path_prefix = rc.match.path_prefix;
    route->exact_path = rc.match.path;
    route->methods = rc.match.methods;
    route->headers.assign(rc.match.headers.begin(), rc.match.headers.end());
    if (!rc.match.path_regex.empty()) {
      auto re = core::Regex::Compile(rc.match.path_regex);
      if (re.ok())
        route->path_regex = re.value();
      else
        errors.push_back(Where(rc.mark) + "match.path_regex: invalid regex: " + re.error().message);
    }
    if (rc.rewrite) {
      auto re = core::Regex::Compile(rc.rewrite->regex);
      if (re.ok())
        route->rewrite_regex = re.value();
      else
        errors.push_back(Where(rc.mark) + "rewrite.regex: invalid regex: " + re.error().message);
      route->rewrite_replacement = rc.rewrite->replacement;
    }
    route->redirect = rc.redirect;
    route->https_redirect = rc.https_redirect;
    route->https_port = rc.https_port;
    if (rc.hsts) {
      route->hsts = "max-age=" + std::to_string(rc.hsts->max_age_s);
      if (rc.hsts->include_subdomains) route->hsts += "; includeSubDomains";
      if (rc.hsts->preload) route->hsts += "; preload";
    }
    route->strip_prefix = rc.strip_prefix;
    route->preserve_host = rc.preserve_host;
    route->cache = rc.cache;
    route->authenticated = rc.auth.has_value();
    route->compression = rc.compression;
    if (rc.static_files) {
      auto root = static_files::StaticRoot::Open(rc.static_files->root, rc.static_files->index,
                                                 rc.static_files->allow_hidden);
      if (root.ok()) {
        route->static_root = root.value();
      } else {
        errors.push_back(Where(rc.mark) + "static.root: " + root.error().message);
      }
      route->static_expires_s = rc.static_files->expires_s;
    }
    route->max_body_size = rc.max_body_size;
    // Pools are named by the loader's checks; one that failed to build was reported already.
    const auto find_pool = [&](const std::string& name) -> std::optional<size_t> {
      auto it = pool_index.find(name);
      if (it != pool_index.end()) return it->second;
      if (failed_pools.count(name) == 0) {
        errors.push_back(Where(rc.mark) + "pool: unknown pool '" + name + "'");
      }
      return std::nullopt;
    };
    if (rc.split) {
      routing::TrafficSplit split;
      split.sticky = rc.split->sticky;
      for (const auto& target : rc.split->to) {
        const auto index = find_pool(target.pool);
        if (!index) continue;
        split.targets.push_back(
            {*index, target.weight, target.header, target.cookie, target.value});
      }
      if (split.targets.size() != rc.split->to.size()) continue;
      route->pool_index = split.targets.front().pool_index;
      route->split = std::move(split);
    } else if (!rc.redirect && !rc.static_files) {
      route->pool = rc.pool;
      const auto index = find_pool(rc.pool);
      if (!index) continue;
      route->pool_index = *index;
    }
    RouteAuth auth = BuildRouteAuth(rc, route_index, options.auth_counters, errors);
    route->credential_fields = auth.credential_fields;
    auto challenger = BuildChallenger(config, rc, bot_shared, bot_keys, options.bot_counters);
    auto access_stages = BuildAccessStages(config, route_index, access, store, std::move(auth),
                                           challenger, block_page, errors);
    // bot: after auth, before the inspection stages.
    if (challenger) {
      access_stages.push_back(
          std::make_shared<stages::bot::BotStageFactory>(challenger, rc.bot->mode));
    }
    route->chain =
        BuildChain(rc, std::move(access_stages),
                   BuildSignaturesStage(config, route_index, signatures_build, challenger, errors),
                   std::move(waf_stage));
    if (route->chain.needs_received_headers()) runtime->keep_received_headers = true;
    routes.push_back(std::move(route));
  }
  runtime->router = routing::Router(std::move(routes));

  if (!config.admin.token_file.empty()) {
    auto token = ReadAdminToken(config.admin.token_file);
    if (token.ok()) {
      runtime->admin_token = std::move(token).value();
    } else {
      errors.push_back(config.source_file + ":0: admin.token_file: " + token.error().message);
    }
  }

  const auto& logging = config.logging;
  // `check` and `run` agree: a log directory must exist (spdlog would create it silently).
  CheckLogPath(logging.access_log, "logging.access_log", config.source_file, errors);
  CheckLogPath(logging.attack_log, "logging.attack_log", config.source_file, errors);
  CheckLogPath(logging.error_log, "logging.error_log", config.source_file, errors);
  if (options.open_logs && !logging.access_log.empty() && errors.empty()) {
    const auto format = logging.access_log_format == "combined"
                            ? proxy::AccessLog::Format::kCombined
                            : proxy::AccessLog::Format::kJson;
    // Opened anew on every reload, so `mv access.log access.log.1 && kill -HUP` rotates it.
    auto log = proxy::AccessLog::Open(logging.access_log, format);
    if (log.ok()) {
      runtime->access_log = log.value();
    } else {
      errors.push_back(config.source_file + ":0: logging.access_log: " + log.error().message);
    }
  }
  if (options.open_logs && !logging.attack_log.empty() && errors.empty()) {
    // Like the access log: opened anew on every reload, which is how it is rotated.
    auto log = proxy::AttackLog::Open(logging.attack_log);
    if (log.ok()) {
      runtime->attack_log = log.value();
    } else {
      errors.push_back(config.source_file + ":0: logging.attack_log: " + log.error().message);
    }
  }

  if (!errors.empty()) return errors;
  // The next reload reuses these rule sets when their files are unchanged.
  if (waf_build.cache) waf_build.cache->KeepForNextLoad();
  return std::shared_ptr<const proxy::Runtime>(std::move(runtime));
}

}  // namespace rampart::server
