// rampart: argv to the server and the review commands, nothing else.

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <variant>

#include "core/log.h"
#include "review/commands.h"
#include "server/config_source.h"
#include "server/runtime_builder.h"
#include "server/server.h"

#ifndef RAMPART_VERSION
#define RAMPART_VERSION "0.1.0"
#endif

namespace {

// `rampart check`: loads and validates everything (addresses resolved, regexes compiled, log
// directories present) without binding or starting anything.
int Check(const std::string& path) {
  auto loaded = rampart::server::LoadConfiguration(path);
  if (auto* errors = std::get_if<rampart::config::LoadErrors>(&loaded)) {
    for (const auto& e : errors->errors) std::cerr << e << "\n";
    std::cerr << errors->errors.size() << " error(s)\n";
    return 1;
  }
  rampart::server::BuildOptions options;
  options.open_logs = false;
  auto built = rampart::server::BuildRuntime(std::get<rampart::config::Config>(loaded), options);
  if (auto* errors = std::get_if<std::vector<std::string>>(&built)) {
    for (const auto& e : *errors) std::cerr << e << "\n";
    std::cerr << errors->size() << " error(s)\n";
    return 1;
  }
  std::cout << (path.empty() ? "<embedded>" : path) << ": ok\n";
  return 0;
}

// Set by SIGINT/SIGTERM: `rampart logs --follow` stops and exits 0.
std::atomic<bool> g_stop{false};

void RequestStop(int /*signal*/) { g_stop.store(true); }

// The filter options `rampart logs` offers, mapped onto `filter` and the time bounds.
void AddFilterOptions(CLI::App* command, rampart::review::LogsOptions& o) {
  command->add_option("--from", o.from, "Records at or after: RFC 3339, a date, or an age (2h)");
  command->add_option("--to", o.to, "Records before: RFC 3339, a date, or an age");
  command->add_option("--ip", o.filter.client, "Client address or CIDR (203.0.113.0/24)");
  command->add_option("--route", o.filter.route, "Route name");
  command->add_option("--rule", o.filter.rule, "Rule id (942100)");
  command->add_option("--action", o.filter.action, "blocked, challenged, rate_limited, detected");
  command->add_option("--country", o.filter.country, "ISO country code");
  command->add_option("--source", o.filter.source,
                      "waf, signatures, ip_reputation, geoip, rate_limit, auth, bot");
  command->add_option("--uri", o.filter.uri_prefix, "Path prefix (/blog/)");
  command->add_option("--request-id", o.filter.request_id, "One request");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rampart: a web application firewall and reverse proxy"};
  app.require_subcommand(1);

  std::string run_config;
  auto* run = app.add_subcommand("run", "Serve with a configuration file (or the embedded demo)");
  run->add_option("-c,--config", run_config,
                  "YAML configuration; without it rampart serves 127.0.0.1:8080 in front of a "
                  "built-in demo backend");

  std::string check_config;
  auto* check = app.add_subcommand("check", "Validate a configuration and exit");
  check->add_option("-c,--config", check_config, "YAML configuration")->required();

  rampart::review::LogsOptions logs_options;
  auto* logs = app.add_subcommand("logs", "Filter and summarise attack-log files");
  logs->add_option("files", logs_options.files, "Attack-log files (- for standard input)")
      ->required();
  AddFilterOptions(logs, logs_options);
  logs->add_flag("--summary", logs_options.summary,
                 "Top rules, URIs, parameters, IPs, countries, and counts over time");
  logs->add_option("--top", logs_options.top, "Entries per top list (default 10)");
  logs->add_option("--bucket", logs_options.bucket, "Summary interval (5m); default: from span");
  logs->add_flag("--json", logs_options.json, "JSON lines (records) or one JSON object (summary)");
  logs->add_option("--limit", logs_options.limit, "Only the last N matching records");
  logs->add_flag("-f,--follow", logs_options.follow, "Keep printing records as the file grows");

  rampart::review::TuneCommandOptions tune_options;
  std::string tune_scope = "path";
  auto* tune = app.add_subcommand(
      "tune", "Propose the narrowest CRS exclusions for records marked as false positives");
  tune->add_option("files", tune_options.files, "Attack-log files")->required();
  tune->add_option("--request-id", tune_options.selection.request_ids,
                   "A false positive's request id (repeatable)");
  tune->add_option("--rule", tune_options.selection.rules,
                   "Exclude only this rule id (repeatable); default: every WAF rule they matched");
  tune->add_option("--route", tune_options.selection.route, "Records on this route");
  tune->add_option("--uri", tune_options.selection.uri_prefix, "Records under this path prefix");
  tune->add_option("--scope", tune_scope,
                   "path (each marked path, default), prefix (--uri), route (the whole route)")
      ->check(CLI::IsMember({"path", "prefix", "route"}));
  tune->add_option("--threshold", tune_options.tune.inbound_threshold,
                   "The route's inbound anomaly threshold (default 5)");
  tune->add_option("--out", tune_options.out_file,
                   "Append the exclusions to this SecLang file (for the route's before_crs)");
  tune->add_option("--first-id", tune_options.first_id, "First rule id of a new file (10000)");
  tune->add_flag("--json", tune_options.json, "The proposal as JSON");

  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "rampart " << RAMPART_VERSION << "\n";
    return 0;
  }
  if (check->parsed()) return Check(check_config);
  if (logs->parsed()) {
    std::signal(SIGINT, RequestStop);
    std::signal(SIGTERM, RequestStop);
    return rampart::review::RunLogs(logs_options, std::cout, std::cerr, g_stop);
  }
  if (tune->parsed()) {
    tune_options.tune.scope = *rampart::review::ParseExclusionScope(tune_scope);
    return rampart::review::RunTune(tune_options, std::cout, std::cerr);
  }
  // Errors before the configuration's own logging is set up go to stderr.
  (void)rampart::core::SetUpLogging("info", "");
  rampart::server::ServerOptions options;
  options.config_path = run_config;
  options.start_demo_backend = run_config.empty();
  rampart::server::Server server(options);
  return server.Run();
}
