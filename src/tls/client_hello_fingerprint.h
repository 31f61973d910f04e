#pragma once
// JA3 (Salesforce) and JA4 (FoxIO, TLS client) fingerprints of a TLS ClientHello: which TLS
// library and settings a client uses, whatever it claims in its User-Agent. Computed on a worker
// thread inside OpenSSL's ClientHello callback, stored on the connection's SSL object and read
// by the proxy once the handshake is done. The pure functions below (parsers of untrusted
// ClientHello bytes, JA3/JA4 from parsed lists) carry no OpenSSL types, so tests feed them
// crafted bytes and the published examples.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace rampart::tls {

struct ClientHelloFingerprint {
  std::string ja3;       // "771,4865-4866-...,0-23-65281-...,29-23-24,0" (GREASE removed)
  std::string ja3_hash;  // lowercase hex MD5 of ja3
  std::string ja4;       // "t13d1516h2_8daaf6152771_e5627efa2ab1"
  bool grease = false;  // any GREASE value (RFC 8701) in ciphers/extensions/groups/versions/sigalgs

  bool operator==(const ClientHelloFingerprint&) const = default;
};

// Computes the fingerprints of the ClientHello being processed. Call only from inside an
// SSL_CTX_set_client_hello_cb callback. OpenSSL 3.0 lists only the extensions it implements
// there; on a context set up with CaptureClientHelloExtensions, every extension counts (GREASE,
// compress_certificate, ALPS, ECH... which browsers send), as JA3/JA4 databases expect.
ClientHelloFingerprint FingerprintClientHello(ssl_st* ssl);

// Installs a message callback on `ctx` (its only one; SSL_CTX_set_msg_callback) that records
// the extension types of each received ClientHello in the order sent, for
// FingerprintClientHello. It uninstalls itself from a connection once the client's hellos are
// over, so established connections pay nothing. Call before creating connections from `ctx`.
void CaptureClientHelloExtensions(ssl_ctx_st* ctx);

// Stores `fingerprint` on `ssl` (freed with it) unless one is already there: after a
// HelloRetryRequest the second ClientHello is shaped by the server, the first is the client's.
void RememberFingerprint(ssl_st* ssl, ClientHelloFingerprint fingerprint);
// The fingerprint stored on `ssl`, or nullptr. Valid as long as `ssl`.
const ClientHelloFingerprint* RememberedFingerprint(const ssl_st* ssl);

// --- Pure functions (no OpenSSL), exposed for tests ---

// The ClientHello fields JA3 and JA4 read, as the client sent them (GREASE included).
struct ClientHelloParts {
  uint16_t legacy_version = 0;
  std::vector<uint16_t> ciphers;
  std::vector<uint16_t> extensions;  // types, in the order sent
  std::vector<uint16_t> supported_groups;
  std::vector<uint8_t> ec_point_formats;
  std::vector<uint16_t> signature_algorithms;  // in the order sent
  std::vector<uint16_t> supported_versions;
  std::string first_alpn;  // the first ALPN protocol; empty when none
};

// True for the 16 reserved GREASE values 0x0a0a, 0x1a1a, ... 0xfafa (RFC 8701).
constexpr bool IsGrease(uint16_t value) {
  return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
}

std::string Ja3FromParts(const ClientHelloParts& parts);
std::string Ja4FromParts(const ClientHelloParts& parts);
// JA3, its MD5, JA4 and the GREASE flag.
ClientHelloFingerprint FingerprintFromParts(const ClientHelloParts& parts);

// Parsers of untrusted bytes. Each reads only whole entries lying inside both the declared
// length and the buffer: a truncated or overlong list yields the entries before the fault, never
// an out-of-bounds read or an error (a malformed hello fails the handshake later anyway).

// Cipher suites as the ClientHello carries them: 2 bytes each, no length prefix.
std::vector<uint16_t> ParseCipherSuites(std::span<const uint8_t> bytes);
// SSLv2-format ClientHello cipher specs (3 bytes each); only those naming a TLS suite (first
// byte 0) are kept, as their TLS 2-byte value.
std::vector<uint16_t> ParseSslv2CipherSpecs(std::span<const uint8_t> bytes);
// Extension bodies: supported_groups (10), signature_algorithms (13): 2-byte length, 2-byte
// entries; ec_point_formats (11): 1-byte length, 1-byte entries; supported_versions (43, the
// client's form): 1-byte length, 2-byte entries.
std::vector<uint16_t> ParseSupportedGroups(std::span<const uint8_t> body);
std::vector<uint8_t> ParseEcPointFormats(std::span<const uint8_t> body);
std::vector<uint16_t> ParseSignatureAlgorithms(std::span<const uint8_t> body);
std::vector<uint16_t> ParseSupportedVersions(std::span<const uint8_t> body);
// The first protocol of an ALPN body (16); empty when the list is empty or the name truncated.
std::string ParseFirstAlpnProtocol(std::span<const uint8_t> body);
// The extension types of a ClientHello handshake message (from its 4-byte header on), in order.
// Empty when `message` is not a ClientHello.
std::vector<uint16_t> ParseClientHelloExtensionTypes(std::span<const uint8_t> message);

}  // namespace rampart::tls
