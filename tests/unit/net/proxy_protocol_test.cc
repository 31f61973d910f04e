#include "net/proxy_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::net {
namespace {

using Status = ProxyHeader::Status;

std::string V2(unsigned char command, unsigned char family_transport, const std::string& block) {
  std::string h("\r\n\r\n\0\r\nQUIT\n", 12);
  h += static_cast<char>(0x20 | command);
  h += static_cast<char>(family_transport);
  h += static_cast<char>(block.size() >> 8);
  h += static_cast<char>(block.size() & 0xFF);
  return h + block;
}

TEST(ProxyProtocolTest, V1Tcp4AndTcp6) {
  const std::string line = "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n";
  ProxyHeader h = ParseProxyHeader(line + "GET / HTTP/1.1\r\n");
  ASSERT_EQ(h.status, Status::kDone) << h.error;
  EXPECT_EQ(h.consumed, line.size());
  EXPECT_FALSE(h.local);
  EXPECT_EQ(h.source_ip, "192.0.2.10");
  EXPECT_EQ(h.source_port, 56324);
  EXPECT_EQ(h.destination_ip, "198.51.100.1");
  EXPECT_EQ(h.destination_port, 443);

  h = ParseProxyHeader("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n");
  ASSERT_EQ(h.status, Status::kDone) << h.error;
  EXPECT_EQ(h.source_ip, "2001:db8::1");
  EXPECT_EQ(h.destination_port, 65535);
}

TEST(ProxyProtocolTest, V1UnknownKeepsThePeer) {
  ProxyHeader h = ParseProxyHeader("PROXY UNKNOWN ffff:f...f:ffff 1 2\r\nGET");
  ASSERT_EQ(h.status, Status::kDone);
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.consumed, 35u);
}

TEST(ProxyProtocolTest, V1ArrivingInPieces) {
  const std::string line = "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443\r\n";
  for (size_t n = 0; n < line.size(); ++n) {
    EXPECT_EQ(ParseProxyHeader(line.substr(0, n)).status, Status::kNeedMore) << n;
  }
}

TEST(ProxyProtocolTest, V1Errors) {
  for (const char* bad :
       {"PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.1 56324 443 extra\r\n",
        "PROXY TCP5 192.0.2.10 198.51.100.1 1 2\r\n", "PROXY TCP4 2001:db8::1 198.51.100.1 1 2\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.1 65536 2\r\n",
        "PROXY TCP4 192.0.2.10 198.51.100.1 01 2\r\n", "GET / HTTP/1.1\r\n"}) {
    EXPECT_EQ(ParseProxyHeader(bad).status, Status::kError) << bad;
  }
  const std::string long_line = "PROXY TCP4 " + std::string(120, '1');
  EXPECT_EQ(ParseProxyHeader(long_line).status, Status::kError);
}

TEST(ProxyProtocolTest, V2Ipv4AndIpv6WithTlvs) {
  std::string block = std::string("\xC0\x00\x02\x0A", 4) + std::string("\xC6\x33\x64\x01", 4) +
                      std::string("\xDC\x04\x01\xBB", 4) + "TLVS";
  ProxyHeader h = ParseProxyHeader(V2(1, 0x11, block) + "GET");
  ASSERT_EQ(h.status, Status::kDone) << h.error;
  EXPECT_EQ(h.consumed, 16 + block.size());
  EXPECT_EQ(h.source_ip, "192.0.2.10");
  EXPECT_EQ(h.source_port, 56324);
  EXPECT_EQ(h.destination_ip, "198.51.100.1");
  EXPECT_EQ(h.destination_port, 443);

  std::string six(36, '\0');
  six[0] = 0x20;
  six[1] = 0x01;
  six[2] = 0x0d;
  six[3] = static_cast<char>(0xb8);
  six[15] = 1;
  six[16] = 0x20;
  six[17] = 0x01;
  six[18] = 0x0d;
  six[19] = static_cast<char>(0xb8);
  six[31] = 2;
  six[32] = 0x00;
  six[33] = 0x50;
  six[34] = 0x01;
  six[35] = static_cast<char>(0xbb);
  h = ParseProxyHeader(V2(1, 0x21, six));
  ASSERT_EQ(h.status, Status::kDone) << h.error;
  EXPECT_EQ(h.source_ip, "2001:db8::1");
  EXPECT_EQ(h.source_port, 80);
  EXPECT_EQ(h.destination_ip, "2001:db8::2");
}

TEST(ProxyProtocolTest, V2LocalAndPieces) {
  ProxyHeader h = ParseProxyHeader(V2(0, 0x00, ""));
  ASSERT_EQ(h.status, Status::kDone);
  EXPECT_TRUE(h.local);
  EXPECT_EQ(h.consumed, 16u);
  const std::string full = V2(1, 0x11, std::string(12, '\x01'));
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_EQ(ParseProxyHeader(full.substr(0, n)).status, Status::kNeedMore) << n;
  }
}

TEST(ProxyProtocolTest, V2Errors) {
  std::string bad_version = V2(1, 0x11, std::string(12, '\x01'));
  bad_version[12] = 0x11;
  EXPECT_EQ(ParseProxyHeader(bad_version).status, Status::kError);
  EXPECT_EQ(ParseProxyHeader(V2(2, 0x11, std::string(12, '\x01'))).status, Status::kError);
  EXPECT_EQ(ParseProxyHeader(V2(1, 0x12, std::string(12, '\x01'))).status, Status::kError);  // UDP
  EXPECT_EQ(ParseProxyHeader(V2(1, 0x11, std::string(8, '\x01'))).status, Status::kError);
  EXPECT_EQ(ParseProxyHeader(V2(1, 0x31, std::string(216, '\x01'))).status, Status::kError);
}

}  // namespace
}  // namespace rampart::net
