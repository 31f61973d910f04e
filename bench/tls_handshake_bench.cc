// TLS handshake load generator for bench/tls.sh: K threads, each opening one connection after
// another (blocking sockets) to a TLS server for a fixed time, counting completed handshakes.
//
//   tls_handshake_bench --port P --mode full|resumed [--tls 1.3|1.2] [--resume-by ticket|id]
//                       [--offer newest|same] [--threads K] [--duration S] [--warmup S]
//                       [--host 127.0.0.1] [--sni NAME]
//
// full:    every connection starts without a session: a full handshake (the server signs with
//          its certificate's key, the client checks that signature; ECDHE on both sides).
// resumed: every thread makes one full handshake first (not counted) and then offers a session
//          on every connection: in TLS 1.3 a session ticket (PSK with (EC)DHE key exchange, the
//          OpenSSL default); in TLS 1.2 a ticket or, with --resume-by id, a session id (the
//          client then sends no ticket extension, so the server must keep the session in its
//          cache).
//            --offer newest (default): the newest session the server gave, as a browser does.
//              OpenSSL's client treats a TLS 1.3 session as single use (RFC 8446 C.4: it marks
//              it not resumable once resumed), so a server that issues no new ticket on a
//              resumed connection gets a full handshake every other time.
//            --offer same: a fresh copy of the first session every time, which measures
//              resumption alone whatever the server's ticket policy.
//          Only resumed handshakes are counted in this mode; the others are reported as
//          "not resumed".
//
// When a handshake counts: right after SSL_connect the client sends close_notify and reads until
// the server's close_notify or EOF (at most 2 s, else the connection is a failure). In TLS 1.3
// the client's Finished is the last handshake message, and the server can read our close_notify
// only with the keys of the finished handshake: a server that answers it (or closes) has
// completed the handshake. NewSessionTickets arriving meanwhile are taken (and counted). Nothing
// else is sent. The certificate is not verified against a CA (it is the bench's self-signed
// one), but the server's signature over the handshake is checked as always.
//
// Output: a summary line for people, then one "result ..." line of key=value pairs for the
// script: handshakes (counted), seconds, per_second, resumed, not_resumed, failed, eof (server
// closed without close_notify), reset, tickets_per_connection (sessions received per
// connection), and the protocol, cipher, group and certificate key of a counted handshake.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  bool resumed = false;
  bool tls12 = false;
  bool resume_by_id = false;
  bool same_session = false;  // --offer same: a copy of the first session every time
  int threads = 4;
  double duration = 5;
  double warmup = 1;
  std::string sni;
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "tls_handshake_bench: %s\nusage: tls_handshake_bench --port P --mode full|resumed "
               "[--tls 1.3|1.2] [--resume-by ticket|id] [--offer newest|same] [--threads K] "
               "[--duration S] "
               "[--warmup S] [--host ADDR] [--sni NAME]\n",
               why);
  std::exit(2);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) Usage(("missing value after " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--host") {
      o.host = value;
    } else if (flag == "--port") {
      o.port = std::atoi(value.c_str());
    } else if (flag == "--mode") {
      if (value != "full" && value != "resumed") Usage("--mode is full or resumed");
      o.resumed = value == "resumed";
    } else if (flag == "--tls") {
      if (value != "1.3" && value != "1.2") Usage("--tls is 1.3 or 1.2");
      o.tls12 = value == "1.2";
    } else if (flag == "--resume-by") {
      if (value != "ticket" && value != "id") Usage("--resume-by is ticket or id");
      o.resume_by_id = value == "id";
    } else if (flag == "--offer") {
      if (value != "newest" && value != "same") Usage("--offer is newest or same");
      o.same_session = value == "same";
    } else if (flag == "--threads") {
      o.threads = std::atoi(value.c_str());
    } else if (flag == "--duration") {
      o.duration = std::atof(value.c_str());
    } else if (flag == "--warmup") {
      o.warmup = std::atof(value.c_str());
    } else if (flag == "--sni") {
      o.sni = value;
    } else {
      Usage(("unknown option " + flag).c_str());
    }
  }
  if (o.port <= 0 || o.port > 65535) Usage("--port is required");
  if (o.threads <= 0 || o.duration <= 0 || o.warmup < 0) Usage("bad --threads/--duration/--warmup");
  if (o.resume_by_id && !o.tls12) Usage("--resume-by id needs --tls 1.2 (TLS 1.3 has no session ids)");
  return o;
}

// What a thread keeps between its connections. The client context's new-session callback finds
// it through the SSL's app data.
struct ThreadState {
  bool keep_first = false;         // --offer same: the first session stays

  SSL_SESSION* session = nullptr;  // the newest session the server gave (owned)
  uint64_t tickets_now = 0;        // sessions received on the current connection
  bool close_notify = false;       // the server's close_notify arrived on it
  uint64_t handshakes = 0, resumed = 0, not_resumed = 0, failed = 0, tickets = 0, resets = 0, eofs = 0;
  std::string last_error;
  std::string description;  // protocol, cipher, group, key type of the last counted handshake
};

int OnNewSession(SSL* ssl, SSL_SESSION* session) {
  auto* state = static_cast<ThreadState*>(SSL_get_app_data(ssl));
  if (state == nullptr) return 0;
  ++state->tickets_now;
  if (state->keep_first && state->session != nullptr) return 0;  // OpenSSL frees it
  if (state->session != nullptr) SSL_SESSION_free(state->session);
  state->session = session;  // returning 1: the reference is ours now
  return 1;
}

// Notes the server's close_notify alert (OpenSSL reports it and a bare EOF alike with
// SSL_OP_IGNORE_UNEXPECTED_EOF).
void OnMessage(int write_p, int, int content_type, const void* buf, size_t len, SSL* ssl, void*) {
  if (write_p || content_type != SSL3_RT_ALERT || len < 2) return;
  if (static_cast<const unsigned char*>(buf)[1] != SSL_AD_CLOSE_NOTIFY) return;
  if (auto* state = static_cast<ThreadState*>(SSL_get_app_data(ssl))) state->close_notify = true;
}

std::string OpenSslErrors() {
  std::string out;
  while (const unsigned long code = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? std::string(std::strerror(errno)) : out;
}

std::string Describe(SSL* ssl) {
  std::string d = std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
  const int nid = SSL_get_negotiated_group(ssl);
  const char* group = nid != 0 ? OBJ_nid2sn(nid) : nullptr;
  d += std::string(" group=") + (group != nullptr ? group : "?");
  if (X509* cert = SSL_get1_peer_certificate(ssl)) {
    const EVP_PKEY* key = X509_get0_pubkey(cert);
    d += std::string(" cert=") + (key != nullptr ? EVP_PKEY_get0_type_name(key) : "?") + "/" +
         std::to_string(key != nullptr ? EVP_PKEY_get_bits(key) : 0);
    X509_free(cert);
  } else if (SSL_session_reused(ssl)) {
    d += " cert=(resumed)";
  }
  return d;
}

// One connection: true when the handshake counts.
bool Handshake(const Options& o, SSL_CTX* ctx, const sockaddr_in& addr, ThreadState& state,
               bool offer_session, bool* reused) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    state.last_error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  const timeval limit{2, 0};  // a server that neither answers nor closes: a failure after 2 s
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    state.last_error = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return false;
  }
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set_app_data(ssl, &state);
  if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl, o.sni.c_str());
  // OpenSSL's client marks a TLS 1.3 session not resumable once used (single use, RFC 8446
  // C.4): --offer same therefore offers a fresh copy of the first one each time.
  SSL_SESSION* copy = nullptr;
  if (offer_session && state.session != nullptr) {
    if (state.keep_first) copy = SSL_SESSION_dup(state.session);
    SSL_set_session(ssl, copy != nullptr ? copy : state.session);
  }
  state.tickets_now = 0;
  state.close_notify = false;
  bool ok = SSL_connect(ssl) == 1;
  if (!ok) {
    state.last_error = "handshake: " + OpenSslErrors();
  } else {
    // close_notify at once, then read until the server's close_notify or its EOF. Reading our
    // close_notify needs the keys of the finished handshake: a server that answers it with its
    // own, or closes, has completed the handshake. Tickets sent meanwhile reach OnNewSession.
    SSL_shutdown(ssl);
    char buf[256];
    for (;;) {
      const int n = SSL_read(ssl, buf, sizeof(buf));
      if (n > 0) continue;  // nothing is expected, but data would not change the count
      const int err = SSL_get_error(ssl, n);
      if (err == SSL_ERROR_ZERO_RETURN) {  // close_notify, or EOF (SSL_OP_IGNORE_UNEXPECTED_EOF)
        if (!state.close_notify) ++state.eofs;
        break;
      }
      if (err == SSL_ERROR_SYSCALL && errno == ECONNRESET) {  // closed with our data unread
        ++state.resets;
        break;
      }
      ok = false;
      state.last_error = (err == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))
                             ? "the server neither closed nor answered close_notify within 2 s"
                             : "after the handshake: " + OpenSslErrors();
      break;
    }
  }
  if (ok) {
    // After an EOF taken as close_notify OpenSSL 3.0 leaves only SSL_RECEIVED_SHUTDOWN set, and
    // SSL_free would then drop the session (marking it, our newest ticket, not resumable) as
    // if the connection had failed. Both close_notify were exchanged as far as we are concerned.
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    *reused = SSL_session_reused(ssl) == 1;
    state.tickets += state.tickets_now;
    if (state.description.empty() || (*reused == o.resumed)) state.description = Describe(ssl);
  }
  ERR_clear_error();
  SSL_free(ssl);
  if (copy != nullptr) SSL_SESSION_free(copy);
  close(fd);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1) Usage("--host must be an IPv4 address");

  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) Usage("SSL_CTX_new failed");
  const int version = o.tls12 ? TLS1_2_VERSION : TLS1_3_VERSION;
  SSL_CTX_set_min_proto_version(ctx, version);
  SSL_CTX_set_max_proto_version(ctx, version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // Sessions reach us through the callback only; OpenSSL's client cache is not used.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, OnNewSession);
  if (o.resume_by_id) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  // A server may close without close_notify once it has ours (nginx does). Without this option
  // OpenSSL 3 takes that EOF as a fatal error, and a fatal error makes the connection's session,
  // the ticket just received included, not resumable.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_msg_callback(ctx, OnMessage);

  std::vector<ThreadState> states(static_cast<size_t>(o.threads));
  std::atomic<bool> counting{false}, stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      ThreadState& s = states[static_cast<size_t>(t)];
      s.keep_first = o.same_session;
      bool reused = false;
      // Resumed: one full handshake first for the session.
      if (o.resumed) {
        for (int tries = 0; s.session == nullptr && tries < 5; ++tries) {
          if (!Handshake(o, ctx, addr, s, false, &reused)) ++s.failed;
        }
      }
      uint64_t failed_before_counting = 0;
      bool was_counting = false;
      while (!stop.load(std::memory_order_relaxed)) {
        const bool count = counting.load(std::memory_order_relaxed);
        if (count && !was_counting) {
          s.handshakes = s.resumed = s.not_resumed = s.tickets = s.resets = s.eofs = 0;
          failed_before_counting = s.failed;
          was_counting = true;
        }
        if (!Handshake(o, ctx, addr, s, o.resumed, &reused)) {
          ++s.failed;
          continue;
        }
        ++s.handshakes;
        ++(reused ? s.resumed : s.not_resumed);
      }
      s.failed -= failed_before_counting;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
  counting = true;
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.duration));
  stop = true;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& th : threads) th.join();

  uint64_t handshakes = 0, resumed = 0, not_resumed = 0, failed = 0, tickets = 0, resets = 0,
           eofs = 0;
  std::string description, error;
  for (auto& s : states) {
    handshakes += o.resumed ? s.resumed : s.handshakes;
    resumed += s.resumed;
    not_resumed += s.not_resumed;
    failed += s.failed;
    tickets += s.tickets;
    resets += s.resets;
    eofs += s.eofs;
    if (description.empty()) description = s.description;
    if (error.empty()) error = s.last_error;
    if (s.session != nullptr) SSL_SESSION_free(s.session);
  }
  SSL_CTX_free(ctx);
  const double rate = static_cast<double>(handshakes) / seconds;
  const uint64_t connections = resumed + not_resumed;
  const double tickets_per = connections > 0 ? static_cast<double>(tickets) / connections : 0;
  using ull = unsigned long long;
  std::printf("%s handshakes (%s%s), %d threads, %.1f s: %.0f/s; resumed %llu, not resumed %llu, "
              "failed %llu, closed by EOF %llu / by reset %llu, sessions received per connection %.2f; last: %s\n",
              o.resumed ? "resumed" : "full", o.tls12 ? "TLS 1.2" : "TLS 1.3",
              !o.resumed ? "" : o.resume_by_id ? ", session id" : o.same_session ? ", same ticket" : ", newest ticket", o.threads, seconds,
              rate, static_cast<ull>(resumed), static_cast<ull>(not_resumed),
              static_cast<ull>(failed), static_cast<ull>(eofs), static_cast<ull>(resets), tickets_per,
              description.c_str());
  if (failed > 0) std::printf("first error: %s\n", error.c_str());
  std::printf("result handshakes=%llu seconds=%.3f per_second=%.0f resumed=%llu not_resumed=%llu "
              "failed=%llu eof=%llu reset=%llu tickets_per_connection=%.2f desc=\"%s\"\n",
              static_cast<ull>(handshakes), seconds, rate, static_cast<ull>(resumed),
              static_cast<ull>(not_resumed), static_cast<ull>(failed), static_cast<ull>(eofs),
              static_cast<ull>(resets), tickets_per, description.c_str());
  return handshakes > 0 ? 0 : 1;
}
