#include "support/pebble_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "unit/unused_port.h"

namespace rampart::test {
namespace {

// Writes a self-signed P-256 certificate for IP 127.0.0.1 and DNS localhost, and its key: what
// pebble's HTTPS API presents.
bool WriteApiCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  X509* cert = X509_new();
  bool ok = key != nullptr && cert != nullptr;
  if (ok) {
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("pebble test API"), -1, -1,
                               0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : std::vector<std::pair<int, const char*>>{
             {NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost"},
             {NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      ok = ok && ext != nullptr && X509_add_ext(cert, ext, -1) == 1;
      X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(cert, key, EVP_sha256()) > 0;
  }
  FILE* cert_file = ok ? std::fopen(cert_path.c_str(), "w") : nullptr;
  FILE* key_file = ok ? std::fopen(key_path.c_str(), "w") : nullptr;
  ok = ok && cert_file != nullptr && key_file != nullptr && PEM_write_X509(cert_file, cert) == 1 &&
       PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (cert_file != nullptr) std::fclose(cert_file);
  if (key_file != nullptr) std::fclose(key_file);
  X509_free(cert);
  EVP_PKEY_free(key);
  return ok;
}

bool Accepts(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

void KillAndReap(pid_t& pid) {
  if (pid <= 0) return;
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  pid = -1;
}

bool Exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

bool PebbleServer::Available() {
  return access(kPebble, X_OK) == 0 && access(kChallTestSrv, X_OK) == 0;
}

PebbleServer::PebbleServer() {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/rampart-pebble-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp " + templ + ": " + strerror(errno));
  }
  dir_ = templ;
}

PebbleServer::~PebbleServer() {
  KillAndReap(pebble_pid_);
  KillAndReap(dns_pid_);
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- pebble logs (" << dir_ << ", kept) ----\n"
              << Log() << "---- end of pebble logs ----\n";
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string PebbleServer::directory_url() const {
  return "https://127.0.0.1:" + std::to_string(api_port_) + "/dir";
}

std::string PebbleServer::Log() const {
  return "== pebble-challtestsrv ==\n" + ReadText(dir_ + "/dns.log") + "== pebble ==\n" +
         ReadText(dir_ + "/pebble.log");
}

pid_t PebbleServer::Spawn(const std::vector<std::string>& args, const std::string& log_path,
                          bool pebble_env) {
  std::vector<std::string> owned = args;
  std::vector<char*> argv;
  for (std::string& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The environment is built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> env_owned = {"PATH=/usr/bin:/bin"};
  if (pebble_env) env_owned.push_back("PEBBLE_VA_NOSLEEP=1");
  std::vector<char*> envp;
  for (std::string& entry : env_owned) envp.push_back(entry.data());
  envp.push_back(nullptr);

  const int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (chdir(dir_.c_str()) != 0) _exit(127);
    dup2(devnull, 0);
    dup2(log, 1);
    dup2(log, 2);
    close_range(3, ~0U, 0);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(log);
  close(devnull);
  return pid;
}

bool PebbleServer::Start(uint16_t http_port, uint16_t tls_port, std::chrono::milliseconds timeout) {
  const std::string key_path = dir_ + "/pebble-api.key";
  if (!WriteApiCertificate(ca_file(), key_path)) {
    error_ = "cannot write pebble's API certificate";
    return false;
  }
  // The ports are learned free and released before the children bind them, so a parallel test
  // can take one in between (pebble then dies on "address already in use"): try fresh ports.
  constexpr int kAttempts = 3;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    if (StartOnce(http_port, tls_port, key_path, timeout)) return true;
    KillAndReap(pebble_pid_);
    KillAndReap(dns_pid_);
  }
  return false;
}

bool PebbleServer::StartOnce(uint16_t http_port, uint16_t tls_port, const std::string& key_path,
                             std::chrono::milliseconds timeout) {
  const uint16_t dns_port = UnusedLoopbackPort();
  const uint16_t dns_management_port = UnusedLoopbackPort();
  api_port_ = UnusedLoopbackPort();
  const uint16_t management_port = UnusedLoopbackPort();

  // Only DNS: every A query is answered 127.0.0.1, no AAAA, and none of its own challenge
  // responders (the test answers the challenges).
  dns_pid_ = Spawn(
      {kChallTestSrv, "-dns01", "127.0.0.1:" + std::to_string(dns_port), "-http01", "", "-https01",
       "", "-tlsalpn01", "", "-management", "127.0.0.1:" + std::to_string(dns_management_port),
       "-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""},
      dir_ + "/dns.log", false);

  const std::string config =
      R"({"pebble": {"listenAddress": "127.0.0.1:)" + std::to_string(api_port_) +
      R"(", "managementListenAddress": "127.0.0.1:)" + std::to_string(management_port) +
      R"(", "certificate": ")" + ca_file() + R"(", "privateKey": ")" + key_path +
      R"(", "httpPort": )" + std::to_string(http_port) + R"(, "tlsPort": )" +
      std::to_string(tls_port) +
      R"(, "ocspResponderURL": "", "externalAccountBindingRequired": false}})";
  std::ofstream(dir_ + "/pebble-config.json") << config;

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!Accepts(dns_management_port)) {
    if (dns_pid_ <= 0 || Exited(dns_pid_) || std::chrono::steady_clock::now() > deadline) {
      error_ = "pebble-challtestsrv did not start; log:\n" + Log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pebble_pid_ = Spawn({kPebble, "-config", dir_ + "/pebble-config.json", "-dnsserver",
                       "127.0.0.1:" + std::to_string(dns_port), "-strict", "false"},
                      dir_ + "/pebble.log", true);
  // Both of pebble's listeners must be up: it exits when the second one cannot bind, after the
  // first already accepted.
  while (!Accepts(api_port_) || !Accepts(management_port)) {
    if (pebble_pid_ <= 0 || Exited(pebble_pid_) || std::chrono::steady_clock::now() > deadline) {
      error_ = "pebble did not start; log:\n" + Log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // A port taken by someone else accepts too; pebble's own failure shows as its exit.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (Exited(pebble_pid_)) {
    error_ = "pebble exited after starting; log:\n" + Log();
    return false;
  }
  return true;
}

}  // namespace rampart::test
