#include "server/server.h"

#include <event2/event.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <thread>

#include "core/log.h"
#include "server/admin.h"
#include "server/cache_setup.h"
#include "server/config_source.h"
#include "server/demo_backend.h"
#include "server/file_watch.h"
#include "server/runtime_builder.h"
#include "server/state_setup.h"
#include "server/worker.h"
#include "state/store.h"
#include "tls/connection.h"
#include "upstream/health_monitor.h"

namespace rampart::server {

namespace {

constexpr const char* kDemoBackendAddress = "127.0.0.1:8081";

size_t WorkerCount(const config::Config& config) {
  if (config.workers != 0) return config.workers;
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : cores;
}

void LogErrors(const std::vector<std::string>& errors) {
  for (const auto& e : errors) spdlog::error("{}", e);
}

}  // namespace

Server::Server(ServerOptions options) : options_(std::move(options)) {}

Server::~Server() {
  for (event* ev : events_) event_free(ev);
  if (drain_deadline_ != nullptr) event_free(drain_deadline_);
  if (watch_timer_ != nullptr) event_free(watch_timer_);
  if (ticket_timer_ != nullptr) event_free(ticket_timer_);
}

int Server::Run() {
  auto loaded = LoadConfiguration(options_.config_path);
  if (auto* errors = std::get_if<config::LoadErrors>(&loaded)) {
    LogErrors(errors->errors);
    return 1;
  }
  const config::Config config = std::get<config::Config>(std::move(loaded));
  if (auto status = core::SetUpLogging(config.logging.level, config.logging.error_log);
      !status.ok()) {
    spdlog::error("{}: logging: {}", config.source_file, status.error().message);
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);

  if (options_.start_demo_backend) {
    demo_ = std::make_unique<DemoBackend>(main_loop_.base());
    if (auto status = demo_->Listen(kDemoBackendAddress); !status.ok()) {
      spdlog::error("{}", status.error().message);
      return 1;
    }
    spdlog::info("demo backend on {}", kDemoBackendAddress);
  }

  auto store = MakeStore(config.state);
  if (!store.ok()) {
    spdlog::error("{}:{}: {}", config.state.mark.file, config.state.mark.line,
                  store.error().message);
    return 1;
  }
  store_ = store.value();

  BuildOptions build;
  build.generation = generation_;
  build.states = &upstream_states_;
  build.waf_engine = &waf_engine_;
  build.store = store_;
  build.auth_counters = auth_counters_;
  build.bot_keys = bot_keys_;
  build.bot_counters = bot_counters_;
  build.ticket_keys = ticket_keys_;
  build.acme_challenges = acme_challenges_;
  auto built = BuildRuntime(config, build);
  if (auto* errors = std::get_if<std::vector<std::string>>(&built)) {
    LogErrors(*errors);
    return 1;
  }
  runtime_ = std::get<std::shared_ptr<const proxy::Runtime>>(built);
  runtime_source_.Publish(runtime_);
  limiter_.SetLimits(config.limits.max_connections, config.limits.max_connections_per_ip);

  const size_t n_workers = WorkerCount(config);
  metrics_ = std::make_unique<proxy::Metrics>(n_workers);
  auto cache = MakeCacheStores(config.cache);
  if (!cache.ok()) {
    spdlog::error("{}:{}: cache: {}", config.cache.mark.file, config.cache.mark.line,
                  cache.error().message);
    return 1;
  }
  cache_ = std::move(cache).value();
  metrics_->SetCacheStores(cache_.get());

  // Resolve the listeners; the first worker binds (learning the port when it is 0), the others
  // bind the same address with SO_REUSEPORT.
  std::vector<net::SocketAddress> addresses;
  std::vector<bool> proxy_protocol;
  for (const auto& l : config.listen) {
    proxy_protocol.push_back(l.proxy_protocol);
    auto resolved = net::Resolve(l.address);
    if (!resolved.ok()) {
      spdlog::error("{}:{}: listen: {}", l.mark.file, l.mark.line, resolved.error().message);
      return 1;
    }
    addresses.push_back(resolved.value().front());
  }
  // libmodsecurity runs here, never on the workers' loops (see Exchange::Offload).
  offload_pool_ = std::make_unique<core::WorkPool>(
      config.waf.threads != 0 ? config.waf.threads
                              : std::max<size_t>(2, std::thread::hardware_concurrency()));
  for (size_t i = 0; i < n_workers; ++i) {
    workers_.push_back(
        std::make_unique<Worker>(i, *metrics_, limiter_, *store_, runtime_source_, *offload_pool_));
    workers_.back()->SetCache(cache_.get());
    auto bound = workers_.back()->Listen(addresses, proxy_protocol);
    if (!bound.ok()) {
      spdlog::error("listen: {}", bound.error().message);
      return 1;
    }
    if (i == 0) {
      addresses = bound.value();
      for (size_t k = 0; k < addresses.size(); ++k) {
        spdlog::info("listener {} bound to {}", k, addresses[k].ToString());
      }
    }
  }

  if (!config.admin.address.empty()) {
    admin_ = std::make_unique<Admin>(main_loop_.base(), *metrics_, runtime_source_, *store_,
                                     *auth_counters_, *bot_counters_);
    admin_->set_cache_stores(cache_.get());
    auto bound = admin_->Listen(config.admin.address);
    if (!bound.ok()) {
      spdlog::error("admin: {}", bound.error().message);
      return 1;
    }
    spdlog::info("admin bound to {}", bound.value().ToString());
  }

  for (int sig : {SIGHUP, SIGTERM, SIGINT}) {
    event* ev = evsignal_new(main_loop_.base(), sig, &Server::OnSignal, this);
    evsignal_add(ev, nullptr);
    events_.push_back(ev);
  }

  health_ = std::make_unique<upstream::HealthMonitor>(main_loop_.base());
  health_->Watch(runtime_->pools, HealthConnectors(*runtime_));
  // The main thread uses the store too (admin API bans, the ban-list sync).
  store_->AttachThread(main_loop_.base());
  store_->StartSync(main_loop_.base());
  // The bot challenge's secrets follow the rotation, shared through the store.
  bot_keys_refresher_ = std::make_unique<BotKeysRefresher>(
      main_loop_.base(), *store_, bot_keys_, std::chrono::milliseconds(config.bot.rotation_ms));
  if (store_->has_backend()) {
    spdlog::info("state: shared in redis at {}", config.state.redis_address);
  }
  ArmWatchTimer();
  ArmTicketRotation(config);
  for (auto& w : workers_) w->Start();
  UpdateAcme(config);  // once the listeners answer the CA's validations
  spdlog::info("ready: {} workers", workers_.size());
  main_loop_.Run();

  acme_.reset();  // stops its thread: no reload is asked for any more
  for (auto& w : workers_) w->Join();
  workers_.clear();
  store_->StopSync();
  store_->DetachThread();
  if (runtime_ && runtime_->access_log) runtime_->access_log->Flush();
  if (runtime_ && runtime_->attack_log) runtime_->attack_log->Flush();
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

void Server::OnSignal(int signal, short /*what*/, void* arg) {
  auto* self = static_cast<Server*>(arg);
  if (signal == SIGHUP) {
    self->Reload();
  } else {
    self->BeginDrain();
  }
}

void Server::Reload() {
  if (draining_) return;
  spdlog::info("reload: loading {}",
               options_.config_path.empty() ? "<embedded>" : options_.config_path);
  auto loaded = LoadConfiguration(options_.config_path);
  if (auto* errors = std::get_if<config::LoadErrors>(&loaded)) {
    spdlog::error("reload: refused ({} errors); the previous configuration stays",
                  errors->errors.size());
    LogErrors(errors->errors);
    metrics_->CountReload(false);
    return;
  }
  config::Config config = std::get<config::Config>(std::move(loaded));
  // The sockets were bound at start, listener by listener: settings that follow a listener
  // (TLS, http2) only make sense for the listeners as bound. When the addresses moved, the
  // running listen section stays until a restart (warned below).
  bool listeners_moved = config.listen.size() != runtime_->config.listen.size();
  for (size_t i = 0; !listeners_moved && i < config.listen.size(); ++i) {
    listeners_moved = config.listen[i].address != runtime_->config.listen[i].address ||
                      config.listen[i].proxy_protocol != runtime_->config.listen[i].proxy_protocol;
  }
  if (listeners_moved) config.listen = runtime_->config.listen;
  BuildOptions build;
  build.generation = generation_ + 1;
  build.previous = runtime_;
  build.states = &upstream_states_;
  build.waf_engine = &waf_engine_;
  build.store = store_;  // counters and bans outlive the runtime
  build.auth_counters = auth_counters_;
  build.bot_keys = bot_keys_;
  build.bot_counters = bot_counters_;
  build.ticket_keys = ticket_keys_;
  build.acme_challenges = acme_challenges_;
  auto built = BuildRuntime(config, build);
  if (auto* errors = std::get_if<std::vector<std::string>>(&built)) {
    spdlog::error("reload: refused ({} errors); the previous configuration stays", errors->size());
    LogErrors(*errors);
    metrics_->CountReload(false);
    return;
  }
  auto runtime = std::get<std::shared_ptr<const proxy::Runtime>>(built);
  // Sockets, threads and the state store are made at start; say so rather than silently
  // ignoring a change.
  const bool listen_changed = listeners_moved ||
                              StateNeedsRestart(config.state, runtime_->config.state) ||
                              config.admin.address != runtime_->config.admin.address ||
                              config.workers != runtime_->config.workers ||
                              config.waf.threads != runtime_->config.waf.threads;
  if (listen_changed) {
    spdlog::warn(
        "reload: listen, admin, workers, waf.threads and state changes take effect only after "
        "a restart");
  }
  if (auto status = core::SetUpLogging(config.logging.level, config.logging.error_log);
      !status.ok()) {
    spdlog::warn("reload: logging: {}", status.error().message);
  }
  limiter_.SetLimits(config.limits.max_connections, config.limits.max_connections_per_ip);
  ++generation_;
  runtime_ = runtime;
  runtime_source_.Publish(std::move(runtime));
  health_->Watch(
      runtime_->pools,
      HealthConnectors(*runtime_));  // DNS re-resolved and health config re-read by the build
  metrics_->CountReload(true);
  failed_stamps_.clear();
  ArmWatchTimer();  // watch_interval may have changed
  ArmTicketRotation(runtime_->config);
  UpdateAcme(runtime_->config);
  spdlog::info("reload: applied generation {}", generation_);
}

std::vector<upstream::HealthMonitor::Connector> Server::HealthConnectors(
    const proxy::Runtime& runtime) {
  // Health probes of a TLS pool speak TLS too, verified as its requests are.
  std::vector<upstream::HealthMonitor::Connector> connectors;
  for (size_t i = 0; i < runtime.pools.size(); ++i) {
    std::shared_ptr<const tls::ClientContext> context =
        i < runtime.pool_tls.size() ? runtime.pool_tls[i] : nullptr;
    if (!context) {
      connectors.emplace_back();
      continue;
    }
    connectors.emplace_back(
        [context, pool = runtime.pools[i]](event_base* base, const upstream::Server& server) {
          return tls::NewClientConnection(base, *context,
                                          upstream::TlsServerName(pool->config(), server));
        });
  }
  return connectors;
}

void Server::UpdateAcme(const config::Config& config) {
  std::vector<std::vector<std::string>> name_sets;
  std::string signature;
  if (config.acme) {
    const config::AcmeConfig& a = *config.acme;
    for (const auto& l : config.listen) {
      if (!l.tls) continue;
      for (const std::string& name : l.tls->acme) {
        // One certificate per name (as Caddy does): a name added later needs no reissue of
        // the others, and a failing one holds none of them up.
        if (signature.find(" " + name + " ") != std::string::npos) continue;
        name_sets.push_back({name});
        signature += " " + name + " ";
      }
    }
    signature += a.directory + "|" + a.email + "|" + a.storage + "|" + a.ca_file + "|" +
                 std::to_string(a.renew_before_ms) + "|" + std::to_string(a.check_interval_ms) +
                 "|" + std::to_string(a.retry_min_ms) + "|" + std::to_string(a.retry_max_ms);
    for (const auto& c : a.challenges) signature += "|" + c;
  }
  if (name_sets.empty()) signature.clear();
  if (signature == acme_signature_ && (acme_ != nullptr) == !signature.empty()) return;
  acme_.reset();
  acme_signature_ = signature;
  if (signature.empty()) return;
  const config::AcmeConfig& a = *config.acme;
  acme::AcmeSettings settings;
  settings.directory_url = a.directory;
  settings.email = a.email;
  settings.storage_dir = a.storage;
  settings.ca_file = a.ca_file;
  settings.challenges.clear();
  for (const auto& c : a.challenges) {
    settings.challenges.push_back(c == "http-01" ? acme::ChallengeType::kHttp01
                                                 : acme::ChallengeType::kTlsAlpn01);
  }
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  settings.renew_before = duration_cast<seconds>(milliseconds(a.renew_before_ms));
  settings.check_interval = duration_cast<seconds>(milliseconds(a.check_interval_ms));
  settings.retry_min = std::max(seconds(1), duration_cast<seconds>(milliseconds(a.retry_min_ms)));
  settings.retry_max =
      std::max(settings.retry_min, duration_cast<seconds>(milliseconds(a.retry_max_ms)));
  auto manager = acme::CertificateManager::Create(
      std::move(settings), std::move(name_sets), acme_challenges_, [this](const std::string& name) {
        // On the ACME thread: the swap happens on the main loop, as a reload.
        main_loop_.Post([this, name] {
          spdlog::info("acme: new certificate for {}", name);
          Reload();
        });
      });
  if (!manager.ok()) {
    spdlog::error("{}:{}: acme: {}", a.mark.file, a.mark.line, manager.error().message);
    acme_signature_.clear();
    return;
  }
  acme_ = std::move(manager).value();
  acme_->Start();
  spdlog::info("acme: managing certificates from {}", a.directory);
}

void Server::ArmTicketRotation(const config::Config& config) {
  uint64_t period_ms = 0;
  for (const auto& l : config.listen) {
    if (l.tls && l.tls->tickets && (period_ms == 0 || l.tls->ticket_rotation_ms < period_ms)) {
      period_ms = l.tls->ticket_rotation_ms;
    }
  }
  if (ticket_timer_ == nullptr) {
    ticket_timer_ = event_new(main_loop_.base(), -1, EV_PERSIST, &Server::OnTicketTimer, this);
  }
  event_del(ticket_timer_);
  if (period_ms == 0) return;
  const timeval tv{static_cast<time_t>(period_ms / 1000),
                   static_cast<suseconds_t>(period_ms % 1000 * 1000)};
  event_add(ticket_timer_, &tv);
}

void Server::OnTicketTimer(int, short, void* arg) {
  // The previous key still decrypts, so a ticket lives through one rotation at least.
  static_cast<Server*>(arg)->ticket_keys_->Rotate();
  spdlog::debug("tls: session ticket keys rotated");
}

void Server::ArmWatchTimer() {
  if (watch_timer_ == nullptr) {
    watch_timer_ = event_new(main_loop_.base(), -1, EV_PERSIST, &Server::OnWatchTimer, this);
  }
  event_del(watch_timer_);
  const uint64_t ms = runtime_->config.watch_interval_ms;
  if (ms == 0 || runtime_->watched_files.empty()) return;
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  event_add(watch_timer_, &tv);
}

void Server::OnWatchTimer(int /*fd*/, short /*what*/, void* arg) {
  static_cast<Server*>(arg)->CheckWatchedFiles();
}

void Server::CheckWatchedFiles() {
  if (draining_) return;
  std::vector<std::string> paths;
  for (const auto& [path, stamp] : runtime_->watched_files) paths.push_back(path);
  FileStamps now = StampFiles(paths);
  if (now == runtime_->watched_files || now == failed_stamps_) return;
  for (size_t i = 0; i < now.size(); ++i) {
    if (now[i].second != runtime_->watched_files[i].second) {
      spdlog::info("reload: {} changed", now[i].first);
    }
  }
  const uint64_t before = generation_;
  Reload();
  if (generation_ == before) failed_stamps_ = std::move(now);
}

void Server::BeginDrain() {
  if (draining_) return;
  draining_ = true;
  health_.reset();  // no new probes while shutting down
  if (admin_) admin_->set_draining(true);
  for (auto& w : workers_) w->Drain();
  spdlog::info("draining: {} ms for in-flight requests", runtime_->config.timeouts.drain_ms);
  // Workers end their loops when their last connection closes; the main loop waits for all of
  // them (joined in Run) but no longer than the drain timeout.
  drain_deadline_ = evtimer_new(main_loop_.base(), &Server::OnDrainDeadline, this);
  const uint64_t ms = runtime_->config.timeouts.drain_ms;
  const timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  evtimer_add(drain_deadline_, &tv);
  // Poll the workers' threads from the main loop: a short timer checks whether all ended.
  event* poll = event_new(
      main_loop_.base(), -1, EV_PERSIST,
      [](int, short, void* arg) { static_cast<Server*>(arg)->WorkerDrained(); }, this);
  const timeval tick{0, 20'000};
  event_add(poll, &tick);
  events_.push_back(poll);
}

void Server::WorkerDrained() {
  size_t running = 0;
  for (auto& w : workers_) {
    if (!w->Finished()) ++running;
  }
  if (running == 0) main_loop_.Stop();
}

void Server::OnDrainDeadline(int /*fd*/, short /*what*/, void* arg) {
  auto* self = static_cast<Server*>(arg);
  spdlog::warn("drain timeout: closing the remaining connections");
  for (auto& w : self->workers_) w->StopNow();
  self->main_loop_.Stop();
}

}  // namespace rampart::server
