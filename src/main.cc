// rampart: argv to the server, nothing else.

#include <CLI/CLI.hpp>
#include <iostream>
#include <variant>

#include "core/log.h"
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

  auto* version = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "rampart " << RAMPART_VERSION << "\n";
    return 0;
  }
  if (check->parsed()) return Check(check_config);
  // Errors before the configuration's own logging is set up go to stderr.
  (void)rampart::core::SetUpLogging("info", "");
  rampart::server::ServerOptions options;
  options.config_path = run_config;
  options.start_demo_backend = run_config.empty();
  rampart::server::Server server(options);
  return server.Run();
}
