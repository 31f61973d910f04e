#include "server/tls_setup.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "acme/storage.h"
#include "tls/certificate_store.h"
#include "tls/client_context.h"
#include "tls/server_context.h"

namespace rampart::server {
namespace {

std::string Where(const config::SourceMark& mark) {
  return mark.file + ":" + std::to_string(mark.line) + ": ";
}

tls::ServerContextOptions ContextOptions(const config::ListenerConfig& listener) {
  const config::ListenerTlsConfig& cfg = *listener.tls;
  tls::ServerContextOptions options;
  options.profile = cfg.profile == config::ListenerTlsConfig::Profile::kModern
                        ? tls::CipherProfile::kModern
                        : tls::CipherProfile::kIntermediate;
  options.alpn = listener.http2 ? std::vector<std::string>{"h2", "http/1.1"}
                                : std::vector<std::string>{"http/1.1"};
  options.session_cache_size = cfg.session_cache;
  options.session_timeout = std::chrono::seconds(cfg.session_timeout_ms / 1000);
  options.session_tickets = cfg.tickets;
  using Mode = config::ListenerTlsConfig::ClientCerts;
  options.client_certs =
      cfg.client_certs == Mode::kOff        ? tls::ServerContextOptions::ClientCerts::kOff
      : cfg.client_certs == Mode::kOptional ? tls::ServerContextOptions::ClientCerts::kOptional
                                            : tls::ServerContextOptions::ClientCerts::kRequired;
  options.client_ca_file = cfg.client_ca;
  return options;
}

// The certificate ACME obtained for `name`, or a self-signed placeholder while there is none
// (clients then see an untrusted certificate rather than a refused connection). A stored
// certificate that does not load is replaced the same way, and the ACME client renews it.
core::Status AddAcmeCertificate(const config::AcmeConfig& acme, const std::string& name,
                                tls::CertificateStore& store) {
  const acme::CertificatePaths paths = acme::PathsFor(acme.storage, name);
  std::error_code ec;
  if (std::filesystem::exists(paths.cert, ec)) {
    auto cert = tls::Certificate::Load(paths.files());
    if (cert.ok()) return store.AddLoaded(cert.value());
    spdlog::warn("acme: {}: {}; serving a placeholder until it is obtained again", name,
                 cert.error().message);
  }
  auto placeholder = tls::Certificate::SelfSigned({name});
  if (!placeholder.ok()) return placeholder.error();
  return store.AddLoaded(placeholder.value());
}

}  // namespace

void BuildListenerTls(const config::Config& config,
                      std::shared_ptr<const tls::TicketKeys> ticket_keys,
                      std::shared_ptr<const tls::AcmeChallenges> acme_challenges,
                      proxy::Runtime& runtime, std::vector<std::string>& errors) {
  runtime.listener_tls.assign(config.listen.size(), nullptr);
  if (!ticket_keys) ticket_keys = std::make_shared<tls::TicketKeys>();
  if (config.acme) {
    if (!acme_challenges) acme_challenges = std::make_shared<tls::AcmeChallenges>();
    runtime.acme_challenges = acme_challenges;
  }
  for (size_t i = 0; i < config.listen.size(); ++i) {
    const config::ListenerConfig& listener = config.listen[i];
    if (!listener.tls) continue;
    const std::string where = Where(listener.tls->mark) + "listen[" + std::to_string(i) + "].tls: ";
    auto store = std::make_shared<tls::CertificateStore>();
    bool ok = true;
    for (const config::CertificateConfig& c : listener.tls->certificates) {
      auto status = store->Add({c.cert, c.key, c.ocsp}, c.is_default);
      if (!status.ok()) {
        errors.push_back(Where(c.mark) + "listen[" + std::to_string(i) +
                         "].tls.certificates: " + status.error().message);
        ok = false;
      }
    }
    for (const std::string& name : listener.tls->acme) {
      // A name also served by a configured certificate of the same key type is refused here.
      auto status = AddAcmeCertificate(*config.acme, name, *store);
      if (!status.ok()) {
        errors.push_back(where + "acme: " + name + ": " + status.error().message);
        ok = false;
      }
    }
    if (!ok) continue;
    for (const std::string& warning : store->warnings()) spdlog::warn("{}{}", where, warning);
    tls::ServerContextOptions options = ContextOptions(listener);
    options.acme_challenges = runtime.acme_challenges;
    auto context = tls::BuildServerContext(options, store, ticket_keys);
    if (!context.ok()) {
      errors.push_back(where + context.error().message);
      continue;
    }
    runtime.listener_tls[i] = std::move(context).value();
  }
}

void BuildPoolTls(const config::Config& config, proxy::Runtime& runtime,
                  std::vector<std::string>& errors) {
  runtime.pool_tls.clear();
  for (const auto& [name, pc] : config.pools) {
    std::shared_ptr<const tls::ClientContext> context;
    if (pc.tls) {
      tls::ClientContextOptions options;
      options.ca_file = pc.tls->ca;
      options.verify = pc.tls->verify;
      options.client_certificate = {pc.tls->cert, pc.tls->key, ""};
      auto built = tls::BuildClientContext(options);
      if (built.ok()) {
        context = std::move(built).value();
      } else {
        errors.push_back(Where(pc.tls->mark) + "pools." + name + ".tls: " + built.error().message);
      }
    }
    runtime.pool_tls.push_back(std::move(context));
  }
}

}  // namespace rampart::server
