#include "server/runtime_builder.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>

#include "core/log.h"
#include "core/strings.h"
#include "stages/headers/headers_stage.h"

namespace rampart::server {

namespace {

std::string Where(const config::SourceMark& mark) {
  return mark.file + ":" + std::to_string(mark.line) + ": ";
}

// The stages a route runs, in the order of docs/architecture.md. Later issues add their stages
// here; the headers stage stays last so every check sees the request as the client sent it.
pipeline::Chain BuildChain(const config::RouteConfig& rc) {
  std::vector<std::shared_ptr<const pipeline::StageFactory>> factories;
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

}  // namespace

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

  std::vector<std::shared_ptr<const routing::Route>> routes;
  for (const auto& rc : config.routes) {
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
    route->strip_prefix = rc.strip_prefix;
    route->preserve_host = rc.preserve_host;
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
    } else if (!rc.redirect) {
      route->pool = rc.pool;
      const auto index = find_pool(rc.pool);
      if (!index) continue;
      route->pool_index = *index;
    }
    route->chain = BuildChain(rc);
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
  return std::shared_ptr<const proxy::Runtime>(std::move(runtime));
}

}  // namespace rampart::server
