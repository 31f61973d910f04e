#include "acme/certificate_manager.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <utility>

#include "acme/acme_client.h"
#include "acme/certificate_info.h"
#include "acme/curl_transport.h"
#include "acme/ec_key.h"
#include "acme/names.h"
#include "core/strings.h"
#include "tls/certificate.h"

namespace rampart::acme {
namespace {

using core::MakeError;

// The longest the thread sleeps at once, so that a wall-clock jump is noticed within a minute.
constexpr std::chrono::seconds kMaxSleep{60};

std::string TimeText(Clock::time_point t) {
  const std::time_t seconds = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// The account key from the storage, made (and written 0600) on first use.
core::Result<EcKey> LoadOrCreateAccountKey(const std::string& storage_dir) {
  const std::string path = AccountKeyPath(storage_dir);
  if (access(path.c_str(), F_OK) == 0) {
    auto pem = ReadWholeFile(path);
    if (!pem) return pem.error();
    return EcKey::FromPem(*pem, path);
  }
  if (auto made = MakePrivateDirectory(storage_dir + "/account"); !made) return made.error();
  auto key = EcKey::Generate();
  if (!key) return key.error();
  if (auto written = WriteFileAtomically(path, key->PrivatePem(), 0600); !written) {
    return written.error();
  }
  spdlog::info("acme: new account key written to {}", path);
  return key;
}

// What the ACME thread talks to the CA with; made on first need, kept for the thread's life.
struct Session {
  Session(EcKey key, const AcmeSettings& settings, std::stop_token stop, AcmeClient::Waiter wait)
      : account_key(std::move(key)),
        transport(settings.ca_file, [stop] { return stop.stop_requested(); }),
        client(settings.directory_url, settings.email, account_key, transport, std::move(wait)) {}
  EcKey account_key;
  CurlTransport transport;
  AcmeClient client;
};

// Why the certificate on disk must be replaced; empty when it is good until `*renew_at`.
std::string ReplacementReason(const CertificatePaths& paths, const std::vector<std::string>& names,
                              const AcmeSettings& settings, Clock::time_point now,
                              Clock::time_point* renew_at, Clock::time_point* not_after) {
  if (access(paths.cert.c_str(), F_OK) != 0) return "none on disk";
  auto loaded = tls::Certificate::Load(paths.files());
  if (!loaded) return "the one on disk is unusable: " + loaded.error().message;
  auto pem = ReadWholeFile(paths.cert);
  if (!pem) return pem.error().message;
  auto info = InspectCertificate(*pem, paths.cert);
  if (!info) return info.error().message;
  *not_after = info->not_after;
  for (const std::string& name : names) {
    if (std::find(info->names.begin(), info->names.end(), name) == info->names.end()) {
      return "the one on disk does not cover " + name;
    }
  }
  *renew_at = RenewalTime(info->not_before, info->not_after, settings.renew_before);
  if (now >= *renew_at) return "it expires " + TimeText(info->not_after);
  return "";
}

}  // namespace

core::Result<std::unique_ptr<CertificateManager>> CertificateManager::Create(
    AcmeSettings settings, std::vector<std::vector<std::string>> name_sets,
    std::shared_ptr<tls::AcmeChallenges> challenges, IssuedCallback on_issued) {
  if (!core::StartsWith(settings.directory_url, "https://")) {
    return MakeError("acme: directory_url must be an https:// URL");
  }
  if (settings.storage_dir.empty()) return MakeError("acme: storage_dir is required");
  if (settings.challenges.empty()) return MakeError("acme: no challenge type enabled");
  if (settings.check_interval.count() <= 0 || settings.retry_min.count() <= 0 ||
      settings.retry_max < settings.retry_min) {
    return MakeError("acme: check_interval and retry_min must be positive, retry_max >= retry_min");
  }
  if (!challenges) return MakeError("acme: no challenge board");
  if (name_sets.empty()) return MakeError("acme: no names to obtain certificates for");

  std::unique_ptr<CertificateManager> manager(
      new CertificateManager(std::move(settings), std::move(challenges), std::move(on_issued)));
  std::set<std::string> seen;
  for (const std::vector<std::string>& set : name_sets) {
    if (set.empty()) return MakeError("acme: an empty set of names");
    NameSetStatus status;
    for (const std::string& name : set) {
      auto normal = NormalizeDnsName(name);
      if (!normal) return MakeError("acme: " + normal.error().message);
      if (!seen.insert(*normal).second) {
        return MakeError("acme: \"" + *normal + "\" is listed twice");
      }
      status.names.push_back(std::move(*normal));
    }
    status.primary_name = status.names.front();
    manager->sets_.push_back(std::move(status));
  }
  return manager;
}

CertificateManager::CertificateManager(AcmeSettings settings,
                                       std::shared_ptr<tls::AcmeChallenges> challenges,
                                       IssuedCallback on_issued)
    : settings_(std::move(settings)),
      challenges_(std::move(challenges)),
      on_issued_(std::move(on_issued)) {}

CertificateManager::~CertificateManager() { Stop(); }

void CertificateManager::Start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { Run(std::move(stop)); });
}

void CertificateManager::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();  // wakes Wait (condition_variable_any watches the token) and curl
  thread_.join();
}

std::vector<NameSetStatus> CertificateManager::Statuses() const {
  std::lock_guard lock(mu_);
  return sets_;
}

bool CertificateManager::Wait(std::stop_token stop, std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

void CertificateManager::Run(std::stop_token stop) {
  std::unique_ptr<Session> session;
  while (!stop.stop_requested()) {
    size_t count = 0;
    {
      std::lock_guard lock(mu_);
      count = sets_.size();
    }
    for (size_t i = 0; i < count && !stop.stop_requested(); ++i) {
      Clock::time_point due;
      {
        std::lock_guard lock(mu_);
        due = sets_[i].next_check;
      }
      if (Clock::now() < due) continue;
      if (!session) {
        auto key = LoadOrCreateAccountKey(settings_.storage_dir);
        if (!key) {
          std::lock_guard lock(mu_);
          NameSetStatus& set = sets_[i];
          set.consecutive_failures++;
          set.last_error = key.error().message;
          set.retry_in =
              RetryDelay(set.consecutive_failures, settings_.retry_min, settings_.retry_max);
          set.next_check = Clock::now() + set.retry_in;
          spdlog::error("acme: {}: {}; retrying in {} s", set.primary_name, set.last_error,
                        set.retry_in.count());
          continue;
        }
        session = std::make_unique<Session>(
            std::move(*key), settings_, stop,
            [this, stop](std::chrono::milliseconds delay) { return Wait(stop, delay); });
      }
      Process(i, session->client, stop);
    }
    Clock::time_point next = Clock::now() + kMaxSleep;
    {
      std::lock_guard lock(mu_);
      for (const NameSetStatus& set : sets_) next = std::min(next, set.next_check);
    }
    const auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now());
    if (delay.count() > 0) Wait(stop, delay);
  }
}

void CertificateManager::Process(size_t index, AcmeClient& client, std::stop_token stop) {
  std::vector<std::string> names;
  std::string primary;
  {
    std::lock_guard lock(mu_);
    names = sets_[index].names;
    primary = sets_[index].primary_name;
  }
  const CertificatePaths paths = PathsFor(settings_.storage_dir, primary);
  const Clock::time_point now = Clock::now();
  Clock::time_point renew_at{};
  Clock::time_point not_after{};
  const std::string reason = ReplacementReason(paths, names, settings_, now, &renew_at, &not_after);
  if (reason.empty()) {
    std::lock_guard lock(mu_);
    sets_[index].not_after = not_after;
    sets_[index].next_check = std::min(now + settings_.check_interval, renew_at);
    return;
  }

  spdlog::info("acme: {}: requesting a certificate for {} ({})", primary, Joined(names), reason);
  auto issued = client.Obtain(names, settings_.challenges, *challenges_);
  core::Status stored = issued ? MakePrivateDirectory(paths.dir) : core::Status(issued.error());
  // The key first: a reader that finds the new chain must find its key.
  if (stored) stored = WriteFileAtomically(paths.key, issued->key_pem, 0600);
  if (stored) stored = WriteFileAtomically(paths.cert, issued->chain_pem, 0644);
  if (stop.stop_requested()) return;  // an attempt cut short by Stop is not a failure

  if (!stored) {
    std::lock_guard lock(mu_);
    NameSetStatus& set = sets_[index];
    set.consecutive_failures++;
    set.last_error = stored.error().message;
    set.retry_in = RetryDelay(set.consecutive_failures, settings_.retry_min, settings_.retry_max);
    set.next_check = Clock::now() + set.retry_in;
    spdlog::warn("acme: {}: obtaining a certificate failed ({} in a row): {}; retrying in {} s",
                 primary, set.consecutive_failures, set.last_error, set.retry_in.count());
    return;
  }

  auto info = InspectCertificate(issued->chain_pem, paths.cert);
  {
    std::lock_guard lock(mu_);
    NameSetStatus& set = sets_[index];
    set.issued++;
    set.consecutive_failures = 0;
    set.last_error.clear();
    set.retry_in = std::chrono::seconds(0);
    const Clock::time_point after = Clock::now();
    set.next_check = after + settings_.check_interval;
    if (info) {
      set.not_after = info->not_after;
      const Clock::time_point due =
          RenewalTime(info->not_before, info->not_after, settings_.renew_before);
      if (due > after) {
        set.next_check = std::min(set.next_check, due);
      } else {
        spdlog::warn(
            "acme: {}: renew_before ({} s) is not shorter than the certificate's "
            "lifetime: it will be renewed at every check",
            primary, settings_.renew_before.count());
      }
      spdlog::info("acme: {}: certificate obtained (serial {}, valid until {})", primary,
                   info->serial, TimeText(info->not_after));
    }
  }
  if (on_issued_) on_issued_(primary);
}

}  // namespace rampart::acme
