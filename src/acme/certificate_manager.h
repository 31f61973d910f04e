#pragma once
// CertificateManager: keeps a certificate from an ACME CA on disk for each configured set of
// names — obtains it when missing, renews it when due, retries with back-off on failure — and
// tells the integrator when a new one is in place so that it can be swapped in.
//
// Owned by the server (main thread: Create, Start, Stop, Statuses). All ACME work runs on the
// manager's own thread; on_issued is called there too. The challenges board is shared with the
// worker threads, which answer the CA's validation requests from it.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "acme/schedule.h"
#include "acme/settings.h"
#include "acme/storage.h"
#include "core/result.h"
#include "tls/acme_challenges.h"

namespace rampart::acme {

class AcmeClient;

// Where one set of names stands, for logs, the admin API and tests.
struct NameSetStatus {
  std::string primary_name;  // the first name: the certificate's directory
  std::vector<std::string> names;
  Clock::time_point not_after{};     // of the certificate on disk; epoch when there is none
  int issued = 0;                    // certificates obtained since Start
  int consecutive_failures = 0;      // 0 after a success
  std::string last_error;            // the last failure's reason; empty after a success
  std::chrono::seconds retry_in{0};  // the back-off chosen after the last failure
  Clock::time_point next_check{};    // when the set is looked at next
};

class CertificateManager {
 public:
  // Called on the manager's thread after a new certificate and key for `primary_name` were
  // written to PathsFor(storage_dir, primary_name): load them (tls::Certificate::Load) and swap
  // them in. Must not call Stop.
  using IssuedCallback = std::function<void(const std::string& primary_name)>;

  // Checks the settings and the names. Each set is one certificate; names are DNS names
  // (lower-cased here), no wildcard (HTTP-01 and TLS-ALPN-01 cannot validate one), no IP
  // address, no name twice. Errors name the offending setting or name. Nothing runs yet.
  static core::Result<std::unique_ptr<CertificateManager>> Create(
      AcmeSettings settings, std::vector<std::vector<std::string>> name_sets,
      std::shared_ptr<tls::AcmeChallenges> challenges, IssuedCallback on_issued);
  ~CertificateManager();  // Stop()
  CertificateManager(const CertificateManager&) = delete;
  CertificateManager& operator=(const CertificateManager&) = delete;

  // Starts the thread: every set is checked at once, then as scheduled.
  void Start();
  // Asks the thread to stop, aborting a transfer or a poll in progress, and joins it. Returns
  // within about a second. Idempotent.
  void Stop();

  std::vector<NameSetStatus> Statuses() const;

 private:
  CertificateManager(AcmeSettings settings, std::shared_ptr<tls::AcmeChallenges> challenges,
                     IssuedCallback on_issued);
  void Run(std::stop_token stop);
  // Looks at set `index`: obtains or renews when due; updates its status and next check.
  void Process(size_t index, AcmeClient& client, std::stop_token stop);
  // Waits `delay`, or less when stopping; false when stopping.
  bool Wait(std::stop_token stop, std::chrono::milliseconds delay);

  const AcmeSettings settings_;
  const std::shared_ptr<tls::AcmeChallenges> challenges_;
  const IssuedCallback on_issued_;

  mutable std::mutex mu_;
  std::condition_variable_any wake_;
  std::vector<NameSetStatus> sets_;  // guarded by mu_ (written by the thread, read by Statuses)
  std::jthread thread_;
};

}  // namespace rampart::acme
