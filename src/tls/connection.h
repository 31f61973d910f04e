#pragma once
// TLS connections as libevent bufferevents (bufferevent_openssl): accepted client connections
// on a TLS listener, connections to TLS backends, and what a finished handshake settled. The
// proxy works with plain bufferevents and these facts; OpenSSL stays in src/tls.

#include <optional>
#include <string>

struct bufferevent;
struct event_base;

namespace rampart::tls {

class ServerContext;
class ClientContext;

// A bufferevent that runs the server side of a handshake on the accepted socket `fd` (owned
// from here: closed when the bufferevent is freed). Null when OpenSSL cannot make a connection.
bufferevent* NewServerConnection(event_base* base, int fd, const ServerContext& context);

// A bufferevent that will run the client side of a handshake once connected
// (bufferevent_socket_connect): `server_name` goes in SNI and is what the backend's certificate
// must name when the context verifies. Null on failure.
bufferevent* NewClientConnection(event_base* base, const ClientContext& context,
                                 const std::string& server_name);

// Ends a TLS connection cleanly before the bufferevent is freed: sends close_notify, which also
// keeps the session resumable from the server's cache (OpenSSL drops the cached session of a
// connection freed without a shutdown). A no-op on a plain bufferevent.
void SendCloseNotify(bufferevent* bev);

// Whether `bev` is a TLS bufferevent made by one of the functions above.
bool IsTls(bufferevent* bev);

struct HandshakeFacts {
  std::string version;      // "TLSv1.3"
  std::string cipher;       // "TLS_AES_128_GCM_SHA256"
  std::string server_name;  // SNI as the client sent it
  std::string alpn;         // the protocol chosen; empty: none
  bool resumed = false;
  // A client certificate that verified (mTLS): its subject, RFC 2253 ("CN=alice,O=Example").
  std::string client_subject;
  // The ClientHello's fingerprints (see client_hello_fingerprint.h); empty when not computed.
  std::string ja3;
  std::string ja3_hash;
  std::string ja4;
  bool grease = false;
};

// What the completed handshake on `bev` settled.
HandshakeFacts DescribeHandshake(bufferevent* bev);

// Why a handshake or TLS read failed, for logs: OpenSSL's reason for the last error on `bev`
// ("unsupported protocol", "no shared cipher"), or "connection closed".
std::string HandshakeError(bufferevent* bev);

// OpenSSL's reason when a TLS error (not a plain close or reset) ended `bev`'s handshake or
// connection, else nullopt. Takes the errors off the bufferevent.
std::optional<std::string> TakeError(bufferevent* bev);

}  // namespace rampart::tls
