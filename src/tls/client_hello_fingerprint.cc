#include "tls/client_hello_fingerprint.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>

namespace rampart::tls {
namespace {

constexpr uint16_t kServerName = 0x0000;
constexpr uint16_t kSupportedGroups = 0x000a;
constexpr uint16_t kEcPointFormats = 0x000b;
constexpr uint16_t kSignatureAlgorithms = 0x000d;
constexpr uint16_t kAlpn = 0x0010;
constexpr uint16_t kSupportedVersions = 0x002b;
constexpr uint8_t kClientHelloType = 1;
// JA4 writes a hash part as zeros when there is nothing to hash, to tell "none" apart.
constexpr const char* kNoHash = "000000000000";

// Reads big-endian integers off untrusted bytes; every read is checked against the end.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  bool ReadU8(uint8_t& out) {
    if (bytes_.empty()) return false;
    out = bytes_[0];
    bytes_ = bytes_.subspan(1);
    return true;
  }
  bool ReadU16(uint16_t& out) {
    if (bytes_.size() < 2) return false;
    out = static_cast<uint16_t>(bytes_[0] << 8 | bytes_[1]);
    bytes_ = bytes_.subspan(2);
    return true;
  }
  // The next `n` bytes, or all that are left when fewer (the caller's list then stops early).
  std::span<const uint8_t> Take(size_t n) {
    const size_t taken = std::min(n, bytes_.size());
    std::span<const uint8_t> out = bytes_.first(taken);
    bytes_ = bytes_.subspan(taken);
    return out;
  }
  // Takes the bytes of a list whose length prefix is `prefix_bytes` (1 or 2) long.
  std::span<const uint8_t> TakePrefixed(int prefix_bytes) {
    uint16_t length = 0;
    uint8_t short_length = 0;
    if (prefix_bytes == 1) {
      if (!ReadU8(short_length)) return {};
      length = short_length;
    } else if (!ReadU16(length)) {
      return {};
    }
    return Take(length);
  }

 private:
  std::span<const uint8_t> bytes_;
};

std::vector<uint16_t> ReadU16Entries(std::span<const uint8_t> bytes) {
  std::vector<uint16_t> values;
  values.reserve(bytes.size() / 2);
  ByteReader reader(bytes);
  for (uint16_t value = 0; reader.ReadU16(value);) values.push_back(value);
  return values;
}

template <typename T>
std::string JoinDecimal(const std::vector<T>& values, bool skip_grease) {
  std::string out;
  for (const T value : values) {
    if (skip_grease && IsGrease(value)) continue;
    if (!out.empty()) out += '-';
    out += std::to_string(value);
  }
  return out;
}

// 4-digit lowercase hex, comma-separated (JA4's list form).
std::string JoinHex(const std::vector<uint16_t>& values) {
  std::string out;
  char hex[8];
  for (const uint16_t value : values) {
    std::snprintf(hex, sizeof(hex), "%04x", value);
    if (!out.empty()) out += ',';
    out += hex;
  }
  return out;
}

std::vector<uint16_t> WithoutGrease(const std::vector<uint16_t>& values) {
  std::vector<uint16_t> out;
  out.reserve(values.size());
  for (const uint16_t value : values) {
    if (!IsGrease(value)) out.push_back(value);
  }
  return out;
}

std::string Hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

// Lowercase hex digest of `text`; empty if the digest is unavailable (MD5 under a FIPS-only
// provider configuration).
std::string HexDigest(const EVP_MD* md, std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (md == nullptr || EVP_Digest(text.data(), text.size(), digest, &size, md, nullptr) != 1) {
    return "";
  }
  return Hex(digest, size);
}

std::string TruncatedSha256(std::string_view text) {
  if (text.empty()) return kNoHash;
  std::string digest = HexDigest(EVP_sha256(), text);
  digest.resize(12, '0');
  return digest;
}

// The highest non-GREASE supported_versions entry, else the legacy version, as JA4 spells it.
const char* Ja4Version(const ClientHelloParts& parts) {
  uint16_t version = 0;
  for (const uint16_t v : parts.supported_versions) {
    if (!IsGrease(v)) version = std::max(version, v);
  }
  if (version == 0) version = parts.legacy_version;
  switch (version) {
    case 0x0304:
      return "13";
    case 0x0303:
      return "12";
    case 0x0302:
      return "11";
    case 0x0301:
      return "10";
    case 0x0300:
      return "s3";
    case 0x0002:
      return "s2";
    case 0xfeff:
      return "d1";
    case 0xfefd:
      return "d2";
    case 0xfefc:
      return "d3";
    default:
      return "00";
  }
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// First and last character of the first ALPN protocol; when either is not alphanumeric, the
// first and last hex digit of the protocol's bytes instead (so "h2" stays readable and binary
// names still fit in two printable characters).
std::string Ja4AlpnChars(std::string_view alpn) {
  if (alpn.empty()) return "00";
  const char first = alpn.front();
  const char last = alpn.back();
  if (IsAsciiAlnum(first) && IsAsciiAlnum(last)) return {first, last};
  static constexpr char kDigits[] = "0123456789abcdef";
  return {kDigits[static_cast<uint8_t>(first) >> 4], kDigits[static_cast<uint8_t>(last) & 0xf]};
}

std::string TwoDigitCount(size_t count) {
  const size_t capped = std::min<size_t>(count, 99);
  return {static_cast<char>('0' + capped / 10), static_cast<char>('0' + capped % 10)};
}

// What rampart keeps on an SSL object (ex_data): the extension types the message callback saw
// and the remembered fingerprint.
struct ConnectionRecord {
  std::optional<std::vector<uint16_t>> sent_extensions;
  std::optional<ClientHelloFingerprint> fingerprint;
};

void FreeRecord(void*, void* record, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<ConnectionRecord*>(record);
}

// SSL_dup copies ex_data pointers; give the copy its own record so each frees its own.
int DupRecord(CRYPTO_EX_DATA*, const CRYPTO_EX_DATA*, void** record, int, long, void*) {
  if (*record != nullptr) *record = new ConnectionRecord(*static_cast<ConnectionRecord*>(*record));
  return 1;
}

int RecordIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, &DupRecord, &FreeRecord);
  return index;
}

ConnectionRecord* FindRecord(const SSL* ssl) {
  return static_cast<ConnectionRecord*>(SSL_get_ex_data(ssl, RecordIndex()));
}

ConnectionRecord* FindOrCreateRecord(SSL* ssl) {
  if (ConnectionRecord* record = FindRecord(ssl)) return record;
  auto* record = new ConnectionRecord();
  if (SSL_set_ex_data(ssl, RecordIndex(), record) != 1) {
    delete record;
    return nullptr;
  }
  return record;
}

void OnMessage(int write_p, int, int content_type, const void* buf, size_t len, SSL* ssl, void*) {
  if (write_p != 0 || content_type != SSL3_RT_HANDSHAKE || len == 0) return;
  const auto* bytes = static_cast<const uint8_t*>(buf);
  if (bytes[0] != kClientHelloType) {
    // The client moved on (Certificate, ClientKeyExchange, Finished): no more hellos to see.
    SSL_set_msg_callback(ssl, nullptr);
    return;
  }
  // Each ClientHello replaces the last, so the list matches the hello being processed.
  if (ConnectionRecord* record = FindOrCreateRecord(ssl)) {
    record->sent_extensions = ParseClientHelloExtensionTypes({bytes, len});
  }
}

// OpenSSL's own view of the extensions: only those it implements, in the order sent.
std::vector<uint16_t> ExtensionsKnownToOpenSsl(SSL* ssl) {
  int* types = nullptr;
  size_t count = 0;
  std::vector<uint16_t> out;
  if (SSL_client_hello_get1_extensions_present(ssl, &types, &count) != 1) return out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(static_cast<uint16_t>(types[i]));
  OPENSSL_free(types);
  return out;
}

std::span<const uint8_t> ExtensionBody(SSL* ssl, uint16_t type) {
  const unsigned char* body = nullptr;
  size_t size = 0;
  if (SSL_client_hello_get0_ext(ssl, type, &body, &size) != 1 || body == nullptr) return {};
  return {body, size};
}

}  // namespace

std::vector<uint16_t> ParseCipherSuites(std::span<const uint8_t> bytes) {
  return ReadU16Entries(bytes);
}

std::vector<uint16_t> ParseSslv2CipherSpecs(std::span<const uint8_t> bytes) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + 3 <= bytes.size(); i += 3) {
    if (bytes[i] == 0) out.push_back(static_cast<uint16_t>(bytes[i + 1] << 8 | bytes[i + 2]));
  }
  return out;
}

std::vector<uint16_t> ParseSupportedGroups(std::span<const uint8_t> body) {
  return ReadU16Entries(ByteReader(body).TakePrefixed(2));
}

std::vector<uint8_t> ParseEcPointFormats(std::span<const uint8_t> body) {
  const std::span<const uint8_t> list = ByteReader(body).TakePrefixed(1);
  return {list.begin(), list.end()};
}

std::vector<uint16_t> ParseSignatureAlgorithms(std::span<const uint8_t> body) {
  return ReadU16Entries(ByteReader(body).TakePrefixed(2));
}

std::vector<uint16_t> ParseSupportedVersions(std::span<const uint8_t> body) {
  return ReadU16Entries(ByteReader(body).TakePrefixed(1));
}

std::string ParseFirstAlpnProtocol(std::span<const uint8_t> body) {
  ByteReader list(ByteReader(body).TakePrefixed(2));
  uint8_t length = 0;
  if (!list.ReadU8(length)) return "";
  const std::span<const uint8_t> name = list.Take(length);
  if (name.size() != length) return "";  // a cut-off name would give the wrong last character
  return {name.begin(), name.end()};
}

std::vector<uint16_t> ParseClientHelloExtensionTypes(std::span<const uint8_t> message) {
  ByteReader header(message);
  uint8_t type = 0;
  uint8_t length_bytes[3];
  if (!header.ReadU8(type) || type != kClientHelloType) return {};
  for (uint8_t& b : length_bytes) {
    if (!header.ReadU8(b)) return {};
  }
  const size_t body_length = size_t{length_bytes[0]} << 16 | length_bytes[1] << 8 | length_bytes[2];
  ByteReader hello(header.Take(body_length));
  hello.Take(2 + 32);     // legacy_version, random
  hello.TakePrefixed(1);  // legacy_session_id
  hello.TakePrefixed(2);  // cipher_suites
  hello.TakePrefixed(1);  // legacy_compression_methods
  ByteReader extensions(hello.TakePrefixed(2));
  std::vector<uint16_t> types;
  uint16_t ext_type = 0;
  uint16_t ext_length = 0;
  while (extensions.ReadU16(ext_type) && extensions.ReadU16(ext_length)) {
    if (extensions.Take(ext_length).size() != ext_length) break;  // body cut off: not whole
    types.push_back(ext_type);
  }
  return types;
}

std::string Ja3FromParts(const ClientHelloParts& parts) {
  std::string ja3 = std::to_string(parts.legacy_version);
  ja3 += ',';
  ja3 += JoinDecimal(parts.ciphers, true);
  ja3 += ',';
  ja3 += JoinDecimal(parts.extensions, true);
  ja3 += ',';
  ja3 += JoinDecimal(parts.supported_groups, true);
  ja3 += ',';
  ja3 += JoinDecimal(parts.ec_point_formats, false);
  return ja3;
}

std::string Ja4FromParts(const ClientHelloParts& parts) {
  std::vector<uint16_t> ciphers = WithoutGrease(parts.ciphers);
  const std::vector<uint16_t> extensions = WithoutGrease(parts.extensions);
  const bool has_sni =
      std::find(extensions.begin(), extensions.end(), kServerName) != extensions.end();

  std::string ja4 = "t";  // TLS over TCP; rampart terminates neither QUIC nor DTLS
  ja4 += Ja4Version(parts);
  ja4 += has_sni ? 'd' : 'i';
  ja4 += TwoDigitCount(ciphers.size());
  ja4 += TwoDigitCount(extensions.size());
  ja4 += Ja4AlpnChars(parts.first_alpn);

  std::sort(ciphers.begin(), ciphers.end());
  ja4 += '_';
  ja4 += TruncatedSha256(JoinHex(ciphers));

  // SNI and ALPN are already in the first part; leaving them out of the hash keeps it the same
  // whether the client connects by name or address, and whatever protocols it asks for.
  std::vector<uint16_t> hashed_extensions;
  for (const uint16_t type : extensions) {
    if (type != kServerName && type != kAlpn) hashed_extensions.push_back(type);
  }
  std::sort(hashed_extensions.begin(), hashed_extensions.end());
  ja4 += '_';
  if (hashed_extensions.empty()) {
    ja4 += kNoHash;
  } else {
    std::string text = JoinHex(hashed_extensions);
    const std::string signature_algorithms = JoinHex(WithoutGrease(parts.signature_algorithms));
    if (!signature_algorithms.empty()) text += '_' + signature_algorithms;
    ja4 += TruncatedSha256(text);
  }
  return ja4;
}

ClientHelloFingerprint FingerprintFromParts(const ClientHelloParts& parts) {
  ClientHelloFingerprint fingerprint;
  fingerprint.ja3 = Ja3FromParts(parts);
  fingerprint.ja3_hash = HexDigest(EVP_md5(), fingerprint.ja3);
  fingerprint.ja4 = Ja4FromParts(parts);
  for (const auto* list : {&parts.ciphers, &parts.extensions, &parts.supported_groups,
                           &parts.signature_algorithms, &parts.supported_versions}) {
    fingerprint.grease = fingerprint.grease || std::any_of(list->begin(), list->end(), IsGrease);
  }
  return fingerprint;
}

ClientHelloFingerprint FingerprintClientHello(SSL* ssl) {
  ClientHelloParts parts;
  parts.legacy_version = static_cast<uint16_t>(SSL_client_hello_get0_legacy_version(ssl));
  const unsigned char* ciphers = nullptr;
  const size_t ciphers_size = SSL_client_hello_get0_ciphers(ssl, &ciphers);
  const std::span<const uint8_t> cipher_bytes(ciphers, ciphers == nullptr ? 0 : ciphers_size);
  parts.ciphers = SSL_client_hello_isv2(ssl) == 1 ? ParseSslv2CipherSpecs(cipher_bytes)
                                                  : ParseCipherSuites(cipher_bytes);
  const ConnectionRecord* record = FindRecord(ssl);
  parts.extensions = record != nullptr && record->sent_extensions ? *record->sent_extensions
                                                                  : ExtensionsKnownToOpenSsl(ssl);
  parts.supported_groups = ParseSupportedGroups(ExtensionBody(ssl, kSupportedGroups));
  parts.ec_point_formats = ParseEcPointFormats(ExtensionBody(ssl, kEcPointFormats));
  parts.signature_algorithms = ParseSignatureAlgorithms(ExtensionBody(ssl, kSignatureAlgorithms));
  parts.supported_versions = ParseSupportedVersions(ExtensionBody(ssl, kSupportedVersions));
  parts.first_alpn = ParseFirstAlpnProtocol(ExtensionBody(ssl, kAlpn));
  return FingerprintFromParts(parts);
}

void CaptureClientHelloExtensions(SSL_CTX* ctx) { SSL_CTX_set_msg_callback(ctx, &OnMessage); }

void RememberFingerprint(SSL* ssl, ClientHelloFingerprint fingerprint) {
  ConnectionRecord* record = FindOrCreateRecord(ssl);
  if (record != nullptr && !record->fingerprint) record->fingerprint = std::move(fingerprint);
}

const ClientHelloFingerprint* RememberedFingerprint(const SSL* ssl) {
  const ConnectionRecord* record = FindRecord(ssl);
  return record != nullptr && record->fingerprint ? &*record->fingerprint : nullptr;
}

}  // namespace rampart::tls
