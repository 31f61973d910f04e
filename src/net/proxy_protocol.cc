#include "net/proxy_protocol.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace rampart::net {
namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
constexpr size_t kV1MaxLength = 107;  // the spec's bound, CRLF included
constexpr unsigned char kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                            0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

ProxyHeader Fail(std::string why) {
  ProxyHeader h;
  h.status = ProxyHeader::Status::kError;
  h.error = std::move(why);
  return h;
}

bool ParsePort(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

// An address of the given family, in its canonical text form (which the v1 line must use).
bool CanonicalIp(std::string_view text, int family, std::string& out) {
  if (text.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  unsigned char bytes[16];
  if (inet_pton(family, buf, bytes) != 1) return false;
  char canon[INET6_ADDRSTRLEN];
  if (inet_ntop(family, bytes, canon, sizeof(canon)) == nullptr) return false;
  out = canon;
  return true;
}

ProxyHeader ParseV1(std::string_view data) {
  const size_t crlf = data.find("\r\n");
  if (crlf == std::string_view::npos) {
    if (data.size() >= kV1MaxLength) return Fail("v1 header longer than 107 bytes");
    ProxyHeader h;  // kNeedMore
    return h;
  }
  if (crlf + 2 > kV1MaxLength) return Fail("v1 header longer than 107 bytes");
  std::string_view line = data.substr(kV1Prefix.size(), crlf - kV1Prefix.size());
  std::string_view fields[5];
  size_t n = 0;
  while (!line.empty() && n < 5) {
    const size_t space = line.find(' ');
    fields[n++] = line.substr(0, space);
    line = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  }
  ProxyHeader h;
  h.consumed = crlf + 2;
  if (n >= 1 && fields[0] == "UNKNOWN") {  // the rest of the line is to be ignored
    h.status = ProxyHeader::Status::kDone;
    h.local = true;
    return h;
  }
  if (n != 5 || !line.empty()) return Fail("v1 header needs protocol, two addresses, two ports");
  int family = 0;
  if (fields[0] == "TCP4") {
    family = AF_INET;
  } else if (fields[0] == "TCP6") {
    family = AF_INET6;
  } else {
    return Fail("v1 protocol must be TCP4, TCP6 or UNKNOWN");
  }
  if (!CanonicalIp(fields[1], family, h.source_ip) ||
      !CanonicalIp(fields[2], family, h.destination_ip)) {
    return Fail("v1 address is not a " + std::string(fields[0]) + " address");
  }
  if (!ParsePort(fields[3], h.source_port) || !ParsePort(fields[4], h.destination_port)) {
    return Fail("v1 port is not a number from 0 to 65535");
  }
  h.status = ProxyHeader::Status::kDone;
  return h;
}

uint16_t Be16(const unsigned char* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

ProxyHeader ParseV2(std::string_view data) {
  if (data.size() < 16) return ProxyHeader{};
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned version = p[12] >> 4;
  const unsigned command = p[12] & 0x0F;
  if (version != 2) return Fail("v2 header with version " + std::to_string(version));
  if (command > 1) return Fail("v2 command must be LOCAL or PROXY");
  const size_t length = Be16(p + 14);
  if (data.size() < 16 + length) return ProxyHeader{};
  ProxyHeader h;
  h.consumed = 16 + length;
  h.status = ProxyHeader::Status::kDone;
  const unsigned family = p[13] >> 4;
  const unsigned transport = p[13] & 0x0F;
  if (command == 0 || family == 0) {  // LOCAL, or UNSPEC: the connection's own addresses
    h.local = true;
    return h;
  }
  if (transport != 1) return Fail("v2 transport must be STREAM (TCP)");
  const unsigned char* a = p + 16;
  char text[INET6_ADDRSTRLEN];
  if (family == 1) {  // AF_INET: 4 + 4 + 2 + 2
    if (length < 12) return Fail("v2 IPv4 address block shorter than 12 bytes");
    h.source_ip = inet_ntop(AF_INET, a, text, sizeof(text));
    h.destination_ip = inet_ntop(AF_INET, a + 4, text, sizeof(text));
    h.source_port = Be16(a + 8);
    h.destination_port = Be16(a + 10);
    return h;
  }
  if (family == 2) {  // AF_INET6: 16 + 16 + 2 + 2
    if (length < 36) return Fail("v2 IPv6 address block shorter than 36 bytes");
    h.source_ip = inet_ntop(AF_INET6, a, text, sizeof(text));
    h.destination_ip = inet_ntop(AF_INET6, a + 16, text, sizeof(text));
    h.source_port = Be16(a + 32);
    h.destination_port = Be16(a + 34);
    return h;
  }
  return Fail("v2 family must be INET or INET6 (UNIX sockets are not proxied here)");
}

}  // namespace

ProxyHeader ParseProxyHeader(std::string_view data) {
  // Decide the version from as many bytes as have arrived.
  const size_t v2_seen = std::min(data.size(), sizeof(kV2Signature));
  if (std::memcmp(data.data(), kV2Signature, v2_seen) == 0) {
    return data.size() < sizeof(kV2Signature) ? ProxyHeader{} : ParseV2(data);
  }
  const size_t v1_seen = std::min(data.size(), kV1Prefix.size());
  if (data.substr(0, v1_seen) == kV1Prefix.substr(0, v1_seen)) {
    return data.size() < kV1Prefix.size() ? ProxyHeader{} : ParseV1(data);
  }
  return Fail("the connection does not start with a PROXY protocol header");
}

}  // namespace rampart::net
