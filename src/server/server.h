#pragma once
// Server: the process — workers, the admin listener, signals, reload and drain. Lives on the
// main thread, whose event loop serves the admin API and handles signals.

#include <memory>
#include <string>
#include <vector>

#include "acme/certificate_manager.h"
#include "config/config.h"
#include "net/connection_limiter.h"
#include "net/event_loop.h"
#include "proxy/metrics.h"
#include "proxy/worker_context.h"
#include "server/bot_setup.h"
#include "stages/auth/auth_counters.h"
#include "tls/acme_challenges.h"
#include "tls/ticket_keys.h"
#include "upstream/health_monitor.h"
#include "upstream/server_state.h"

struct event;

namespace rampart::upstream {
class HealthMonitor;
}

namespace rampart::modsec {
class Engine;
}

namespace rampart::state {
class Store;
}

namespace rampart::server {

class Admin;
class DemoBackend;
class Worker;

struct ServerOptions {
  std::string config_path;  // empty: the embedded default
  bool start_demo_backend = false;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the configuration, binds every socket, starts the workers and serves until SIGTERM or
  // SIGINT. Returns the process exit code.
  int Run();

 private:
  static void OnSignal(int signal, short what, void* arg);
  static void OnDrainDeadline(int fd, short what, void* arg);
  static void OnWatchTimer(int fd, short what, void* arg);
  void Reload();
  // Reloads when an IP list or GeoIP database the runtime was built from has changed.
  void CheckWatchedFiles();
  void ArmWatchTimer();
  void BeginDrain();
  void WorkerDrained();

  ServerOptions options_;
  net::EventLoop main_loop_;
  std::unique_ptr<proxy::Metrics> metrics_;
  net::ConnectionLimiter limiter_;
  std::shared_ptr<modsec::Engine> waf_engine_;  // made by the first build that needs it
  // Rate-limit counters and bans: kept across reloads, shared by the workers (and, with Redis,
  // by other nodes). Declared before the workers: it outlives them.
  std::shared_ptr<state::Store> store_;
  // The auth stages' counters (/metrics), kept across reloads.
  std::shared_ptr<stages::auth::AuthCounters> auth_counters_ =
      std::make_shared<stages::auth::AuthCounters>();
  // The bot challenge's secrets (refreshed on the main loop) and counters, kept across reloads.
  std::shared_ptr<stages::bot::BotKeyRing> bot_keys_ = std::make_shared<stages::bot::BotKeyRing>();
  std::shared_ptr<stages::bot::BotCounters> bot_counters_ =
      std::make_shared<stages::bot::BotCounters>();
  std::unique_ptr<BotKeysRefresher> bot_keys_refresher_;
  // TLS session ticket keys: one set for every listener, kept across reloads, rotated by
  // ticket_timer_ (the shortest tls.ticket_rotation of the listeners).
  std::shared_ptr<tls::TicketKeys> ticket_keys_ = std::make_shared<tls::TicketKeys>();
  event* ticket_timer_ = nullptr;
  // ACME: the challenges board the workers answer from, and the client that obtains and renews
  // the listeners' `tls.acme` certificates (a new certificate triggers a reload).
  std::shared_ptr<tls::AcmeChallenges> acme_challenges_ = std::make_shared<tls::AcmeChallenges>();
  std::unique_ptr<acme::CertificateManager> acme_;
  std::string acme_signature_;  // what acme_ was made from; a change makes a new one
  void UpdateAcme(const config::Config& config);
  static std::vector<upstream::HealthMonitor::Connector> HealthConnectors(
      const proxy::Runtime& runtime);
  void ArmTicketRotation(const config::Config& config);
  static void OnTicketTimer(int fd, short what, void* arg);
  upstream::StateRegistry upstream_states_;  // before the runtime: pools point into it
  proxy::RuntimeSource runtime_source_;
  std::shared_ptr<const proxy::Runtime> runtime_;
  // CPU-heavy stage work (libmodsecurity on large requests) runs here, not on the workers'
  // loops. Declared before workers_: it outlives them.
  // The routes' caches: made once, kept across reloads; destroyed after the workers and pools
  // that use them (declared before them).
  std::unique_ptr<proxy::CacheStores> cache_;
  std::unique_ptr<core::WorkPool> offload_pool_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<upstream::HealthMonitor> health_;
  std::unique_ptr<Admin> admin_;
  std::unique_ptr<DemoBackend> demo_;
  std::vector<event*> events_;
  event* drain_deadline_ = nullptr;
  event* watch_timer_ = nullptr;
  // The watched files' stamps of the last reload they triggered that failed: not retried until
  // they change again (a broken list would otherwise be re-read and re-reported every tick).
  std::vector<std::pair<std::string, std::string>> failed_stamps_;
  bool draining_ = false;
  uint64_t generation_ = 1;
};

}  // namespace rampart::server
