// The ACME client (src/acme) against a real ACME server: Let's Encrypt's pebble, validating for
// real (PEBBLE_VA_ALWAYS_VALID unset) against loopback responders that answer from the same
// tls::AcmeChallenges board rampart's workers will use — a tiny HTTP server for HTTP-01 and a
// tiny TLS server presenting AlpnCertificate(sni) for ALPN acme-tls/1 (TLS-ALPN-01). Pebble
// resolves every name to 127.0.0.1 through pebble-challtestsrv and refuses 5% of nonces, which
// the client must survive. Shown: a certificate with HTTP-01, one with TLS-ALPN-01, a renewal,
// the files' modes, and a validation nobody answers, retried with back-off and reported.
// Skipped when pebble is not installed.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "acme/certificate_info.h"
#include "acme/certificate_manager.h"
#include "acme/storage.h"
#include "support/pebble_server.h"
#include "tls/acme_challenges.h"
#include "tls/certificate.h"
#include "unit/unused_port.h"

namespace rampart::acme {
namespace {

using test::PebbleServer;
using namespace std::chrono_literals;

// A loopback listener with an accept loop on its own thread; `serve` handles one connection.
class LoopbackServer {
 public:
  explicit LoopbackServer(std::function<void(int fd)> serve) : serve_(std::move(serve)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 64), 0);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Loop(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int client = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const timeval tv{5, 0};
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      serve_(client);
      close(client);
    }
  }

  std::function<void(int)> serve_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// HTTP-01: answers GET /.well-known/acme-challenge/<token> from the board, 404 otherwise.
class Http01Responder {
 public:
  explicit Http01Responder(std::shared_ptr<tls::AcmeChallenges> board)
      : board_(std::move(board)), server_([this](int fd) { Serve(fd); }) {}
  uint16_t port() const { return server_.port(); }
  int answered() const { return answered_; }

 private:
  void Serve(int fd) {
    std::string request;
    char buf[2048];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
    }
    const size_t space = request.find(' ');
    const size_t end = request.find(' ', space + 1);
    const std::string path = request.substr(space + 1, end - space - 1);
    std::optional<std::string> body;
    if (request.rfind("GET ", 0) == 0 && path.rfind(tls::kAcmeHttpChallengePrefix, 0) == 0) {
      body = board_->HttpResponse(path.substr(tls::kAcmeHttpChallengePrefix.size()));
    }
    std::string response =
        body ? "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                   std::to_string(body->size()) + "\r\nConnection: close\r\n\r\n" + *body
             : std::string(
                   "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    if (body) ++answered_;
    send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  }

  std::shared_ptr<tls::AcmeChallenges> board_;
  std::atomic<int> answered_{0};
  LoopbackServer server_;
};

// TLS-ALPN-01: a handshake offering ALPN acme-tls/1 gets AlpnCertificate(sni); anything else
// fails. What the integrator's handshake callback must do, with OpenSSL directly.
class TlsAlpn01Responder {
 public:
  explicit TlsAlpn01Responder(std::shared_ptr<tls::AcmeChallenges> board)
      : board_(std::move(board)), ctx_(SSL_CTX_new(TLS_server_method())) {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_tlsext_servername_callback(ctx_, OnServerName);
    SSL_CTX_set_tlsext_servername_arg(ctx_, this);
    SSL_CTX_set_alpn_select_cb(ctx_, OnAlpn, this);
    server_ = std::make_unique<LoopbackServer>([this](int fd) { Serve(fd); });
  }
  ~TlsAlpn01Responder() {
    server_.reset();
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return server_->port(); }
  int answered() const { return answered_; }

 private:
  static int OnServerName(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<TlsAlpn01Responder*>(arg);
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    auto cert = self->board_->AlpnCertificate(name != nullptr ? name : "");
    if (!cert) return SSL_TLSEXT_ERR_ALERT_FATAL;
    SSL_use_certificate(ssl, cert->leaf());  // both up-ref what they are given
    SSL_use_PrivateKey(ssl, cert->key());
    return SSL_TLSEXT_ERR_OK;
  }
  static int OnAlpn(SSL*, const unsigned char** out, unsigned char* out_len,
                    const unsigned char* in, unsigned int in_len, void*) {
    for (unsigned int i = 0; i < in_len; i += 1u + in[i]) {
      const std::string_view offered(reinterpret_cast<const char*>(in + i + 1), in[i]);
      if (offered == tls::kAcmeTlsAlpnProtocol) {
        *out = in + i + 1;
        *out_len = in[i];
        return SSL_TLSEXT_ERR_OK;
      }
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  void Serve(int fd) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      ++answered_;
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
  }

  std::shared_ptr<tls::AcmeChallenges> board_;
  SSL_CTX* ctx_;
  std::atomic<int> answered_{0};
  std::unique_ptr<LoopbackServer> server_;
};

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string SerialOnDisk(const CertificatePaths& paths) {
  auto pem = ReadWholeFile(paths.cert);
  if (!pem) return "";
  auto info = InspectCertificate(*pem, paths.cert);
  return info ? info->serial : "";
}

class AcmePebbleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PebbleServer::Available()) {
      GTEST_SKIP() << "pebble is not installed (Debian package pebble): the ACME client is not "
                      "tested against an ACME server";
    }
    // As rampart does (server.cc): a peer closing first must not kill the process, neither in
    // libcurl (CURLOPT_NOSIGNAL leaves SIGPIPE to the application) nor in the responders.
    signal(SIGPIPE, SIG_IGN);
    board_ = std::make_shared<tls::AcmeChallenges>();
    storage_ = pebble_.dir() + "/rampart-acme";  // made by the manager
  }

  // Starts the responders (unless `answer` is false: then nothing listens where pebble
  // validates) and pebble.
  void StartPebble(bool answer = true) {
    uint16_t http_port = test::UnusedLoopbackPort();
    uint16_t tls_port = test::UnusedLoopbackPort();
    if (answer) {
      http_ = std::make_unique<Http01Responder>(board_);
      alpn_ = std::make_unique<TlsAlpn01Responder>(board_);
      http_port = http_->port();
      tls_port = alpn_->port();
    }
    ASSERT_TRUE(pebble_.Start(http_port, tls_port)) << pebble_.error();
  }

  AcmeSettings Settings(std::vector<ChallengeType> challenges) const {
    AcmeSettings settings;
    settings.directory_url = pebble_.directory_url();
    settings.email = "ops@acme.test";
    settings.storage_dir = storage_;
    settings.ca_file = pebble_.ca_file();
    settings.challenges = std::move(challenges);
    settings.retry_min = 1s;
    settings.retry_max = 2s;
    return settings;
  }

  std::unique_ptr<CertificateManager> Manager(const AcmeSettings& settings,
                                              std::vector<std::vector<std::string>> names) {
    auto manager = CertificateManager::Create(
        settings, std::move(names), board_,
        [this, storage = settings.storage_dir](const std::string& primary) {
          std::lock_guard lock(mu_);
          issued_.push_back(primary);
          serials_.push_back(SerialOnDisk(PathsFor(storage, primary)));
          cv_.notify_all();
        });
    EXPECT_TRUE(manager) << manager.error().message;
    return manager ? std::move(*manager) : nullptr;
  }

  bool WaitIssued(size_t count, std::chrono::seconds timeout = 90s) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return issued_.size() >= count; });
  }

  PebbleServer pebble_;
  std::shared_ptr<tls::AcmeChallenges> board_;
  std::unique_ptr<Http01Responder> http_;
  std::unique_ptr<TlsAlpn01Responder> alpn_;
  std::string storage_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> issued_;   // guarded by mu_
  std::vector<std::string> serials_;  // guarded by mu_
};

TEST_F(AcmePebbleTest, ObtainsACertificateWithHttp01) {
  StartPebble();
  auto manager = Manager(Settings({ChallengeType::kHttp01}), {{"www.acme.test", "acme.test"}});
  ASSERT_NE(manager, nullptr);
  manager->Start();
  ASSERT_TRUE(WaitIssued(1)) << manager->Statuses()[0].last_error;
  manager->Stop();

  EXPECT_EQ(issued_, std::vector<std::string>{"www.acme.test"});
  const CertificatePaths paths = PathsFor(storage_, "www.acme.test");
  auto cert = tls::Certificate::Load(paths.files());
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ((*cert)->names(), (std::vector<std::string>{"www.acme.test", "acme.test"}));
  EXPECT_EQ((*cert)->key_type(), tls::KeyType::kEcdsa);
  EXPECT_EQ((*cert)->warning(), "");
  // Issued by pebble's intermediate, which follows the leaf in the chain.
  EXPECT_GE(sk_X509_num((*cert)->chain()), 1);
  char issuer[256];
  X509_NAME_oneline(X509_get_issuer_name((*cert)->leaf()), issuer, sizeof issuer);
  EXPECT_NE(std::string(issuer).find("Pebble Intermediate"), std::string::npos) << issuer;
  // Both names were validated for real, over HTTP.
  EXPECT_GE(http_->answered(), 2);
  EXPECT_EQ(alpn_->answered(), 0);
  // Nothing is left on the board.
  EXPECT_EQ(board_->AlpnCertificate("www.acme.test"), nullptr);

  // Safe permissions: 0700 directories, 0600 keys.
  EXPECT_EQ(Mode(storage_), 0700u);
  EXPECT_EQ(Mode(storage_ + "/account"), 0700u);
  EXPECT_EQ(Mode(AccountKeyPath(storage_)), 0600u);
  EXPECT_EQ(Mode(storage_ + "/certificates"), 0700u);
  EXPECT_EQ(Mode(paths.dir), 0700u);
  EXPECT_EQ(Mode(paths.key), 0600u);
  EXPECT_EQ(Mode(paths.cert), 0644u);

  const NameSetStatus status = manager->Statuses()[0];
  EXPECT_EQ(status.issued, 1);
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_GT(status.not_after, Clock::now() + std::chrono::hours(24));
}

TEST_F(AcmePebbleTest, ObtainsACertificateWithTlsAlpn01) {
  StartPebble();
  auto manager = Manager(Settings({ChallengeType::kTlsAlpn01}), {{"alpn.acme.test"}});
  ASSERT_NE(manager, nullptr);
  manager->Start();
  ASSERT_TRUE(WaitIssued(1)) << manager->Statuses()[0].last_error;
  manager->Stop();

  auto cert = tls::Certificate::Load(PathsFor(storage_, "alpn.acme.test").files());
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_EQ((*cert)->names(), std::vector<std::string>{"alpn.acme.test"});
  EXPECT_GE(alpn_->answered(), 1);
  EXPECT_EQ(http_->answered(), 0);
  EXPECT_EQ(board_->AlpnCertificate("alpn.acme.test"), nullptr);
}

TEST_F(AcmePebbleTest, RenewsWhenDueAndKeepsTheAccount) {
  StartPebble();
  AcmeSettings settings = Settings({ChallengeType::kHttp01, ChallengeType::kTlsAlpn01});
  // Longer than any certificate pebble issues, so every check finds the certificate due.
  settings.renew_before = std::chrono::hours(24 * 365 * 50);
  settings.check_interval = 1s;
  auto manager = Manager(settings, {{"renew.acme.test"}});
  ASSERT_NE(manager, nullptr);
  manager->Start();
  ASSERT_TRUE(WaitIssued(2)) << manager->Statuses()[0].last_error;
  manager->Stop();

  std::lock_guard lock(mu_);
  ASSERT_GE(serials_.size(), 2u);
  EXPECT_FALSE(serials_[0].empty());
  EXPECT_NE(serials_[0], serials_[1]);
  EXPECT_EQ(issued_[0], "renew.acme.test");
  EXPECT_EQ(issued_[1], "renew.acme.test");
  EXPECT_GE(manager->Statuses()[0].issued, 2);
  // One account key for both orders.
  EXPECT_EQ(Mode(AccountKeyPath(storage_)), 0600u);
}

TEST_F(AcmePebbleTest, KeepsACertificateThatIsNotDue) {
  StartPebble();
  auto first = Manager(Settings({ChallengeType::kHttp01}), {{"keep.acme.test"}});
  ASSERT_NE(first, nullptr);
  first->Start();
  ASSERT_TRUE(WaitIssued(1)) << first->Statuses()[0].last_error;
  first->Stop();
  const std::string serial = SerialOnDisk(PathsFor(storage_, "keep.acme.test"));

  // A restart finds it on disk, valid for long: no new order.
  auto second = Manager(Settings({ChallengeType::kHttp01}), {{"keep.acme.test"}});
  ASSERT_NE(second, nullptr);
  second->Start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (second->Statuses()[0].not_after == Clock::time_point{} &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  second->Stop();
  EXPECT_NE(second->Statuses()[0].not_after, Clock::time_point{});
  EXPECT_EQ(second->Statuses()[0].issued, 0);
  EXPECT_EQ(SerialOnDisk(PathsFor(storage_, "keep.acme.test")), serial);
  std::lock_guard lock(mu_);
  EXPECT_EQ(issued_.size(), 1u);
}

TEST_F(AcmePebbleTest, AFailedValidationIsReportedAndRetriedWithBackOff) {
  StartPebble(/*answer=*/false);
  auto manager = Manager(Settings({ChallengeType::kHttp01}), {{"fail.acme.test"}});
  ASSERT_NE(manager, nullptr);
  manager->Start();

  // Watch the failures climb and the wait double up to its cap: 1 s, 2 s, 2 s.
  std::vector<std::pair<int, std::chrono::seconds>> seen;
  NameSetStatus status;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    status = manager->Statuses()[0];
    if (status.consecutive_failures > 0 &&
        (seen.empty() || seen.back().first != status.consecutive_failures)) {
      seen.emplace_back(status.consecutive_failures, status.retry_in);
    }
    if (status.consecutive_failures >= 3) break;
    std::this_thread::sleep_for(20ms);
  }
  const auto stop_started = std::chrono::steady_clock::now();
  manager->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 2s);  // Stop returns promptly

  ASSERT_GE(status.consecutive_failures, 3) << status.last_error;
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(1, std::chrono::seconds(1)));
  EXPECT_EQ(seen[1], std::make_pair(2, std::chrono::seconds(2)));
  EXPECT_EQ(seen[2], std::make_pair(3, std::chrono::seconds(2)));
  // The reason is the CA's problem document: nothing answered at the validation address.
  EXPECT_NE(status.last_error.find("http-01 validation of fail.acme.test failed: "
                                   "urn:ietf:params:acme:error:"),
            std::string::npos)
      << status.last_error;
  EXPECT_EQ(status.issued, 0);
  std::lock_guard lock(mu_);
  EXPECT_TRUE(issued_.empty());
  EXPECT_FALSE(std::filesystem::exists(PathsFor(storage_, "fail.acme.test").cert));
  EXPECT_EQ(board_->HttpResponse("anything"), std::nullopt);
}

}  // namespace
}  // namespace rampart::acme
