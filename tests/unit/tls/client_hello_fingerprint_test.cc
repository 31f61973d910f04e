#include "tls/client_hello_fingerprint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "unit/tls/tls_test_util.h"

namespace rampart::tls {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// --- Oracles that share no code with the unit under test ---

std::string HexDigestOf(const char* name, const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  size_t size = 0;
  EXPECT_EQ(EVP_Q_digest(nullptr, name, nullptr, text.data(), text.size(), digest, &size), 1);
  std::string hex;
  char byte[3];
  for (size_t i = 0; i < size; ++i) {
    std::snprintf(byte, sizeof(byte), "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> fields;
  std::stringstream in(text);
  for (std::string field; std::getline(in, field, separator);) fields.push_back(field);
  if (!text.empty() && text.back() == separator) fields.push_back("");
  return fields;
}

std::vector<std::string> Ja3Fields(const std::string& ja3) {
  std::vector<std::string> fields = Split(ja3, ',');
  EXPECT_EQ(fields.size(), 5u) << ja3;
  fields.resize(5);
  return fields;
}

bool HasExtension(const std::string& ja3, int type) {
  const std::vector<std::string> types = Split(Ja3Fields(ja3)[2], '-');
  return std::find(types.begin(), types.end(), std::to_string(type)) != types.end();
}

// --- Handshakes whose server records the fingerprint of each ClientHello ---

struct ClientConfig {
  int max_version = TLS1_3_VERSION;
  std::string tls13_suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
  std::string tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
  std::string groups = "X25519:P-256";
  std::string sni = "www.example.com";
  std::vector<std::string> alpn = {"h2", "http/1.1"};
  // Extension types the client adds with an empty body (OpenSSL custom extensions), to send
  // what OpenSSL 3.0 itself does not implement: GREASE, ALPS...
  std::vector<unsigned int> extra_extensions = {};
};

struct Observed {
  bool ok = false;
  std::vector<ClientHelloFingerprint> per_hello;  // one per ClientHello callback
  std::optional<ClientHelloFingerprint> remembered;
};

int OnClientHello(SSL* ssl, int*, void* arg) {
  ClientHelloFingerprint fingerprint = FingerprintClientHello(ssl);
  static_cast<Observed*>(arg)->per_hello.push_back(fingerprint);
  RememberFingerprint(ssl, std::move(fingerprint));
  return SSL_CLIENT_HELLO_SUCCESS;
}

int AddEmptyExtension(SSL*, unsigned int, unsigned int, const unsigned char** out, size_t* len,
                      X509*, size_t, int*, void*) {
  *out = nullptr;
  *len = 0;
  return 1;
}

class FingerprintHandshakeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = test::MakeEcKey().release();
    cert_ =
        test::MakeCert(key_, "fingerprint.test", {"www.example.com"}, nullptr, nullptr).release();
  }
  static void TearDownTestSuite() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }

  // A server context recording into `observed`; `capture` installs the extension capture.
  SSL_CTX* ServerContext(Observed* observed, bool capture, const char* groups = nullptr) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate(ctx, cert_), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(ctx, key_), 1);
    if (groups != nullptr) {
      EXPECT_EQ(SSL_CTX_set1_groups_list(ctx, groups), 1);
    }
    SSL_CTX_set_client_hello_cb(ctx, &OnClientHello, observed);
    if (capture) CaptureClientHelloExtensions(ctx);
    return ctx;
  }

  // One handshake over a BIO pair between a client built from `config` and a server from a
  // fresh recording context.
  Observed Handshake(const ClientConfig& config, bool capture = true,
                     const char* server_groups = nullptr) {
    Observed observed;
    SSL_CTX* sctx = ServerContext(&observed, capture, server_groups);
    SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(cctx, config.max_version);
    EXPECT_EQ(SSL_CTX_set_ciphersuites(cctx, config.tls13_suites.c_str()), 1);
    EXPECT_EQ(SSL_CTX_set_cipher_list(cctx, config.tls12_ciphers.c_str()), 1);
    EXPECT_EQ(SSL_CTX_set1_groups_list(cctx, config.groups.c_str()), 1);
    for (const unsigned int type : config.extra_extensions) {
      EXPECT_EQ(SSL_CTX_add_custom_ext(cctx, type, SSL_EXT_CLIENT_HELLO, &AddEmptyExtension,
                                       nullptr, nullptr, nullptr, nullptr),
                1)
          << type;
    }
    SSL* client = SSL_new(cctx);
    SSL* server = SSL_new(sctx);
    if (!config.sni.empty()) SSL_set_tlsext_host_name(client, config.sni.c_str());
    if (!config.alpn.empty()) {
      std::string wire;
      for (const auto& p : config.alpn) wire += static_cast<char>(p.size()) + p;
      SSL_set_alpn_protos(client, reinterpret_cast<const unsigned char*>(wire.data()),
                          static_cast<unsigned int>(wire.size()));
    }
    BIO* client_bio = nullptr;
    BIO* server_bio = nullptr;
    BIO_new_bio_pair(&client_bio, 0, &server_bio, 0);
    SSL_set_bio(client, client_bio, client_bio);
    SSL_set_bio(server, server_bio, server_bio);
    SSL_set_connect_state(client);
    SSL_set_accept_state(server);
    bool client_done = false;
    bool server_done = false;
    for (int round = 0; round < 20 && !(client_done && server_done); ++round) {
      if (!client_done) client_done = SSL_do_handshake(client) == 1;
      if (!server_done) server_done = SSL_do_handshake(server) == 1;
    }
    ERR_clear_error();
    observed.ok = client_done && server_done;
    if (const ClientHelloFingerprint* remembered = RememberedFingerprint(server)) {
      observed.remembered = *remembered;
    }
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return observed;
  }

  static inline EVP_PKEY* key_ = nullptr;
  static inline X509* cert_ = nullptr;
};

TEST_F(FingerprintHandshakeTest, Ja3FieldsAreWhatTheClientWasConfiguredToSend) {
  const Observed observed = Handshake(ClientConfig{});
  ASSERT_TRUE(observed.ok);
  ASSERT_EQ(observed.per_hello.size(), 1u);
  ASSERT_TRUE(observed.remembered.has_value());
  const ClientHelloFingerprint& fp = *observed.remembered;
  EXPECT_EQ(fp, observed.per_hello[0]);

  const std::vector<std::string> fields = Ja3Fields(fp.ja3);
  EXPECT_EQ(fields[0], "771");  // legacy_version 0x0303, also for a TLS 1.3 hello
  // TLS_AES_256_GCM_SHA384 (0x1302), TLS_CHACHA20_POLY1305_SHA256 (0x1303), then
  // ECDHE-ECDSA-AES128-GCM-SHA256 (0xc02b), ECDHE-ECDSA-AES256-GCM-SHA384 (0xc02c), then the
  // renegotiation SCSV (0x00ff) OpenSSL appends.
  EXPECT_EQ(fields[1], "4866-4867-49195-49196-255");
  EXPECT_EQ(fields[3], "29-23");  // X25519, P-256
  EXPECT_EQ(fields[4], "0-1-2");  // OpenSSL 3.0's default: uncompressed and both compressed
  // SNI comes first in OpenSSL's order; the settings above imply ALPN (16), groups (10),
  // formats (11), sigalgs (13), supported_versions (43) and key_share (51).
  const std::vector<std::string> types = Split(fields[2], '-');
  EXPECT_EQ(types.front(), "0");
  for (const int type : {0, 10, 11, 13, 16, 43, 51}) {
    EXPECT_TRUE(HasExtension(fp.ja3, type)) << type << " in " << fp.ja3;
  }
  EXPECT_FALSE(fp.grease);
  EXPECT_EQ(fp.ja3_hash, HexDigestOf("MD5", fp.ja3));
  EXPECT_EQ(fp.ja3_hash.size(), 32u);
}

TEST_F(FingerprintHandshakeTest, Ja4PrefixFollowsVersionSniAndAlpn) {
  ClientConfig tls13;
  const Observed a = Handshake(tls13);
  ASSERT_TRUE(a.remembered.has_value());
  const std::vector<std::string> ja3_types = Split(Ja3Fields(a.remembered->ja3)[2], '-');
  // 5 ciphers as configured above; the extension count is the JA3 list's (no GREASE here).
  char expected[32];
  std::snprintf(expected, sizeof(expected), "t13d05%02zuh2_", ja3_types.size());
  EXPECT_THAT(a.remembered->ja4, StartsWith(expected));

  ClientConfig tls12 = tls13;
  tls12.max_version = TLS1_2_VERSION;
  tls12.alpn = {"http/1.1", "h2"};
  const Observed b = Handshake(tls12);
  ASSERT_TRUE(b.remembered.has_value());
  // No TLS 1.3 suites nor supported_versions: 2 ciphers + SCSV.
  EXPECT_THAT(b.remembered->ja4, StartsWith("t12d03"));
  EXPECT_EQ(b.remembered->ja4.substr(8, 2), "h1");
  EXPECT_FALSE(HasExtension(b.remembered->ja3, 43));

  ClientConfig bare = tls13;
  bare.sni.clear();
  bare.alpn.clear();
  const Observed c = Handshake(bare);
  ASSERT_TRUE(c.remembered.has_value());
  EXPECT_THAT(c.remembered->ja4, StartsWith("t13i05"));
  EXPECT_EQ(c.remembered->ja4.substr(8, 3), "00_");
  EXPECT_FALSE(HasExtension(c.remembered->ja3, 0));
  EXPECT_FALSE(HasExtension(c.remembered->ja3, 16));
  // Two fewer extensions than with SNI and ALPN...
  EXPECT_EQ(std::stoi(a.remembered->ja4.substr(6, 2)) - 2,
            std::stoi(c.remembered->ja4.substr(6, 2)));
  // ...but SNI and ALPN are not hashed, so the JA4 hash parts are the same.
  EXPECT_EQ(a.remembered->ja4.substr(10), c.remembered->ja4.substr(10));
}

TEST_F(FingerprintHandshakeTest, Ja4CipherHashIsOfTheSortedConfiguredSuites) {
  const Observed observed = Handshake(ClientConfig{});
  ASSERT_TRUE(observed.remembered.has_value());
  const std::string sorted = "00ff,1302,1303,c02b,c02c";
  EXPECT_EQ(Split(observed.remembered->ja4, '_')[1], HexDigestOf("SHA256", sorted).substr(0, 12));
}

TEST_F(FingerprintHandshakeTest, SameClientSameFingerprintsOtherClientOtherFingerprints) {
  const Observed first = Handshake(ClientConfig{});
  const Observed again = Handshake(ClientConfig{});
  ClientConfig other_ciphers;
  other_ciphers.tls13_suites = "TLS_AES_128_GCM_SHA256";
  const Observed other = Handshake(other_ciphers);
  ClientConfig other_groups;
  other_groups.groups = "P-384:P-256";
  const Observed groups = Handshake(other_groups);
  ASSERT_TRUE(first.remembered && again.remembered && other.remembered && groups.remembered);

  EXPECT_EQ(*first.remembered, *again.remembered);
  EXPECT_NE(first.remembered->ja3_hash, other.remembered->ja3_hash);
  EXPECT_NE(first.remembered->ja4, other.remembered->ja4);
  // Groups are in JA3 only: JA4 leaves them out on purpose.
  EXPECT_NE(first.remembered->ja3_hash, groups.remembered->ja3_hash);
  EXPECT_EQ(Ja3Fields(groups.remembered->ja3)[3], "24-23");
  EXPECT_EQ(first.remembered->ja4, groups.remembered->ja4);
}

TEST_F(FingerprintHandshakeTest, CaptureSeesExtensionsOpenSslDoesNotImplement) {
  ClientConfig config;
  // A GREASE extension first, ALPS (0x4469) and compress_certificate (27), as browsers send.
  config.extra_extensions = {0x3a3a, 0x4469, 27};
  const Observed captured = Handshake(config, /*capture=*/true);
  const Observed uncaptured = Handshake(config, /*capture=*/false);
  const Observed plain = Handshake(ClientConfig{});
  ASSERT_TRUE(captured.remembered && uncaptured.remembered && plain.remembered);

  EXPECT_TRUE(captured.remembered->grease);
  EXPECT_TRUE(HasExtension(captured.remembered->ja3, 0x4469));
  EXPECT_TRUE(HasExtension(captured.remembered->ja3, 27));
  EXPECT_FALSE(HasExtension(captured.remembered->ja3, 0x3a3a));  // GREASE left out
  const int plain_count = std::stoi(plain.remembered->ja4.substr(6, 2));
  EXPECT_EQ(std::stoi(captured.remembered->ja4.substr(6, 2)), plain_count + 2);

  // Without the capture OpenSSL 3.0 hides them: the fingerprint is that of a plain client.
  EXPECT_FALSE(uncaptured.remembered->grease);
  EXPECT_EQ(uncaptured.remembered->ja4, plain.remembered->ja4);
  // For an OpenSSL client, whose extensions OpenSSL all knows, both views agree.
  EXPECT_EQ(Handshake(ClientConfig{}, /*capture=*/false).remembered, plain.remembered);
}

TEST_F(FingerprintHandshakeTest, FirstClientHelloIsRememberedAfterHelloRetryRequest) {
  // The client's key share is X25519; a server taking only P-256 asks for another hello.
  const Observed observed = Handshake(ClientConfig{}, true, "P-256");
  ASSERT_TRUE(observed.ok);
  ASSERT_EQ(observed.per_hello.size(), 2u);
  ASSERT_TRUE(observed.remembered.has_value());
  EXPECT_EQ(*observed.remembered, observed.per_hello[0]);
}

// --- Pure functions ---

// The example of FoxIO's JA4 specification (technical_details/JA4.md), with GREASE values
// added that must change nothing.
ClientHelloParts SpecExample() {
  ClientHelloParts parts;
  parts.legacy_version = 0x0303;
  parts.ciphers = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
                   0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
  parts.extensions = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                      0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015};
  parts.signature_algorithms = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601};
  parts.supported_versions = {0x0304, 0x0303};
  parts.first_alpn = "h2";
  return parts;
}

ClientHelloParts WithGrease(ClientHelloParts parts) {
  parts.ciphers.insert(parts.ciphers.begin(), 0x0a0a);
  parts.extensions.insert(parts.extensions.begin(), 0x2a2a);
  parts.extensions.push_back(0xfafa);
  parts.supported_groups.insert(parts.supported_groups.begin(), 0x8a8a);
  parts.signature_algorithms.insert(parts.signature_algorithms.begin(), 0x1a1a);
  parts.supported_versions.insert(parts.supported_versions.begin(), 0x7a7a);
  return parts;
}

TEST(Ja4FromPartsTest, MatchesTheSpecificationExample) {
  EXPECT_EQ(Ja4FromParts(SpecExample()), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  EXPECT_EQ(Ja4FromParts(WithGrease(SpecExample())), "t13d1516h2_8daaf6152771_e5627efa2ab1");
  // The spec's hash of the same extensions without signature algorithms (no trailing '_').
  ClientHelloParts no_sigalgs = SpecExample();
  no_sigalgs.signature_algorithms.clear();
  EXPECT_EQ(Ja4FromParts(no_sigalgs), "t13d1516h2_8daaf6152771_6d807ffa2a79");
}

TEST(Ja4FromPartsTest, VersionComesFromSupportedVersionsElseLegacyVersion) {
  ClientHelloParts parts = SpecExample();
  parts.supported_versions = {0x0303, 0x0302};
  EXPECT_THAT(Ja4FromParts(parts), StartsWith("t12"));
  parts.supported_versions = {0x0a0a};  // only GREASE: as if absent
  parts.legacy_version = 0x0301;
  EXPECT_THAT(Ja4FromParts(parts), StartsWith("t10"));
  parts.supported_versions.clear();
  for (const auto& [version, text] : std::vector<std::pair<uint16_t, std::string>>{
           {0x0304, "t13"}, {0x0302, "t11"}, {0x0300, "ts3"}, {0x0002, "ts2"}, {0x1234, "t00"}}) {
    parts.legacy_version = version;
    EXPECT_THAT(Ja4FromParts(parts), StartsWith(text)) << version;
  }
}

TEST(Ja4FromPartsTest, AlpnCharactersFollowTheSpecificationRules) {
  ClientHelloParts parts = SpecExample();
  const std::vector<std::pair<std::string, std::string>> cases = {{"h2", "h2"},
                                                                  {"http/1.1", "h1"},
                                                                  {"h3", "h3"},
                                                                  {"", "00"},
                                                                  {"x", "xx"},
                                                                  {"\xab", "ab"},
                                                                  {"\xab\xcd", "ad"},
                                                                  {"0\xab", "3b"},
                                                                  {"01\xab\xcd", "3d"},
                                                                  {"0\xab\xcd"
                                                                   "1",
                                                                   "01"},
                                                                  {"/x/", "2f"}};
  for (const auto& [alpn, chars] : cases) {
    parts.first_alpn = alpn;
    EXPECT_EQ(Ja4FromParts(parts).substr(8, 2), chars) << alpn;
  }
}

TEST(Ja4FromPartsTest, EmptyListsAndLargeCounts) {
  ClientHelloParts parts;
  parts.legacy_version = 0x0303;
  EXPECT_EQ(Ja4FromParts(parts), "t12i000000_000000000000_000000000000");
  // Only SNI and ALPN: counted, but nothing left to hash.
  parts.extensions = {0x0000, 0x0010};
  parts.first_alpn = "h2";
  EXPECT_EQ(Ja4FromParts(parts), "t12d0002h2_000000000000_000000000000");
  // Counts stop at 99; GREASE does not count.
  for (uint16_t i = 0; i < 150; ++i) parts.ciphers.push_back(static_cast<uint16_t>(0x1000 + i));
  parts.ciphers.push_back(0x0a0a);
  EXPECT_EQ(Ja4FromParts(parts).substr(0, 8), "t12d9902");
}

TEST(Ja4FromPartsTest, ExtensionHashIsOfSortedExtensionsThenSignatureAlgorithmsAsSent) {
  // Expected values computed by hand in a shell:
  //   printf 'c02b' | sha256sum                 -> 648b5c445417...
  //   printf '000a,000d_0804,0403' | sha256sum  -> 0fc99f9789f0...
  ClientHelloParts parts;
  parts.legacy_version = 0x0303;
  parts.ciphers = {0xc02b};
  parts.extensions = {0x000d, 0x0000, 0x000a};
  parts.signature_algorithms = {0x0804, 0x0403};
  EXPECT_EQ(Ja4FromParts(parts), "t12d010300_648b5c445417_0fc99f9789f0");
}

TEST(Ja3FromPartsTest, MatchesTheJa3ReadmeExample) {
  // Salesforce's JA3 README example string and the MD5 it publishes for it.
  ClientHelloParts parts;
  parts.legacy_version = 769;
  parts.ciphers = {47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4};
  parts.extensions = {0, 10, 11};
  parts.supported_groups = {23, 24, 25};
  parts.ec_point_formats = {0};
  const ClientHelloFingerprint fp = FingerprintFromParts(parts);
  EXPECT_EQ(fp.ja3, "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0");
  EXPECT_EQ(fp.ja3_hash, "ada70206e40642a3e4461f35503241d5");
  EXPECT_FALSE(fp.grease);
}

TEST(Ja3FromPartsTest, GreaseIsRemovedAndFlagged) {
  const ClientHelloFingerprint plain = FingerprintFromParts(SpecExample());
  const ClientHelloFingerprint greased = FingerprintFromParts(WithGrease(SpecExample()));
  EXPECT_FALSE(plain.grease);
  EXPECT_TRUE(greased.grease);
  EXPECT_EQ(greased.ja3, plain.ja3);
  EXPECT_EQ(greased.ja4, plain.ja4);
  EXPECT_THAT(greased.ja3, Not(HasSubstr("2570")));  // 0x0a0a
  // Each list alone raises the flag.
  for (int list = 0; list < 5; ++list) {
    ClientHelloParts parts = SpecExample();
    std::vector<uint16_t>* lists[] = {&parts.ciphers, &parts.extensions, &parts.supported_groups,
                                      &parts.signature_algorithms, &parts.supported_versions};
    lists[list]->push_back(0xdada);
    EXPECT_TRUE(FingerprintFromParts(parts).grease) << list;
  }
  // No fields at all: empty JA3 fields, not a crash.
  EXPECT_EQ(Ja3FromParts(ClientHelloParts{}), "0,,,,");
}

TEST(IsGreaseTest, OnlyTheSixteenReservedValues) {
  int count = 0;
  for (uint32_t v = 0; v <= 0xffff; ++v) count += IsGrease(static_cast<uint16_t>(v)) ? 1 : 0;
  EXPECT_EQ(count, 16);
  EXPECT_TRUE(IsGrease(0x0a0a));
  EXPECT_TRUE(IsGrease(0xfafa));
  EXPECT_FALSE(IsGrease(0x0a1a));
  EXPECT_FALSE(IsGrease(0x0b0b));
}

// --- Parsers of untrusted bytes: each input sits in a vector of exactly its size, so an
// over-read is caught by ASan builds ---

using Bytes = std::vector<uint8_t>;

TEST(ClientHelloParsersTest, WellFormedBodies) {
  EXPECT_EQ(ParseSupportedGroups(Bytes{0x00, 0x04, 0x00, 0x1d, 0x00, 0x17}),
            (std::vector<uint16_t>{29, 23}));
  EXPECT_EQ(ParseEcPointFormats(Bytes{0x02, 0x00, 0x01}), (std::vector<uint8_t>{0, 1}));
  EXPECT_EQ(ParseSignatureAlgorithms(Bytes{0x00, 0x04, 0x08, 0x04, 0x04, 0x03}),
            (std::vector<uint16_t>{0x0804, 0x0403}));
  EXPECT_EQ(ParseSupportedVersions(Bytes{0x04, 0x03, 0x04, 0x03, 0x03}),
            (std::vector<uint16_t>{0x0304, 0x0303}));
  EXPECT_EQ(ParseFirstAlpnProtocol(
                Bytes{0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1'}),
            "h2");
  EXPECT_EQ(ParseCipherSuites(Bytes{0x13, 0x01, 0x00, 0xff}),
            (std::vector<uint16_t>{0x1301, 0x00ff}));
  EXPECT_EQ(ParseSslv2CipherSpecs(Bytes{0x00, 0x00, 0x2f, 0x07, 0x00, 0xc0, 0x00, 0xc0, 0x2b}),
            (std::vector<uint16_t>{0x002f, 0xc02b}));
}

TEST(ClientHelloParsersTest, MalformedBodiesYieldTheWholeEntriesBeforeTheFault) {
  const Bytes empty;
  EXPECT_TRUE(ParseSupportedGroups(empty).empty());
  EXPECT_TRUE(ParseSupportedGroups(Bytes{0x00}).empty());  // half a length
  // Declares 8 bytes, holds 3: one whole entry.
  EXPECT_EQ(ParseSupportedGroups(Bytes{0x00, 0x08, 0x00, 0x1d, 0x00}), (std::vector<uint16_t>{29}));
  // Odd length: the half entry is dropped.
  EXPECT_EQ(ParseSignatureAlgorithms(Bytes{0x00, 0x03, 0x04, 0x03, 0x08}),
            (std::vector<uint16_t>{0x0403}));
  // Declares fewer bytes than it holds: the rest is not read as entries.
  EXPECT_EQ(ParseSupportedVersions(Bytes{0x02, 0x03, 0x04, 0x03, 0x03}),
            (std::vector<uint16_t>{0x0304}));
  EXPECT_EQ(ParseSupportedVersions(Bytes{0xff, 0x03}), std::vector<uint16_t>{});
  EXPECT_EQ(ParseEcPointFormats(Bytes{0xff, 0x00}), (std::vector<uint8_t>{0}));
  EXPECT_TRUE(ParseEcPointFormats(empty).empty());
  EXPECT_EQ(ParseCipherSuites(Bytes{0x13, 0x01, 0x13}), (std::vector<uint16_t>{0x1301}));
  EXPECT_TRUE(ParseSslv2CipherSpecs(Bytes{0x00, 0x00}).empty());
  // ALPN: empty list, empty name, a name longer than the list or the buffer.
  EXPECT_EQ(ParseFirstAlpnProtocol(empty), "");
  EXPECT_EQ(ParseFirstAlpnProtocol(Bytes{0x00, 0x00}), "");
  EXPECT_EQ(ParseFirstAlpnProtocol(Bytes{0x00, 0x01, 0x00}), "");
  EXPECT_EQ(ParseFirstAlpnProtocol(Bytes{0x00, 0x03, 0x05, 'h', '2'}), "");
  EXPECT_EQ(ParseFirstAlpnProtocol(Bytes{0x00, 0x09, 0x02, 'h'}), "");
}

// A ClientHello message: header, version, random, session id, suites, compression, extensions.
Bytes ClientHelloMessage(const Bytes& extensions_block) {
  Bytes body;
  // push_back only: GCC 12 warns falsely (-Warray-bounds) on inserting short initializer lists.
  auto append = [&body](std::initializer_list<uint8_t> bytes) {
    for (const uint8_t b : bytes) body.push_back(b);
  };
  append({0x03, 0x03});
  body.resize(body.size() + 32, 0x42);  // random
  append({0x00});                       // empty session id
  append({0x00, 0x02, 0x13, 0x01});     // one suite
  append({0x01, 0x00});                 // null compression
  append({static_cast<uint8_t>(extensions_block.size() >> 8),
          static_cast<uint8_t>(extensions_block.size())});
  for (const uint8_t b : extensions_block) body.push_back(b);
  Bytes message = {0x01, 0x00, static_cast<uint8_t>(body.size() >> 8),
                   static_cast<uint8_t>(body.size())};
  for (const uint8_t b : body) message.push_back(b);
  return message;
}

TEST(ClientHelloParsersTest, ExtensionTypesOfAClientHelloInOrder) {
  const Bytes extensions = {0x2a, 0x2a, 0x00, 0x00,                    // GREASE, empty
                            0x00, 0x00, 0x00, 0x03, 0x01, 0x02, 0x03,  // SNI, 3 bytes
                            0x44, 0x69, 0x00, 0x00,                    // ALPS
                            0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04};
  const Bytes message = ClientHelloMessage(extensions);
  const std::vector<uint16_t> full = {0x2a2a, 0x0000, 0x4469, 0x002b};
  EXPECT_EQ(ParseClientHelloExtensionTypes(message), full);

  // Every truncation reads only the whole extensions before the cut, never past it.
  for (size_t size = 0; size < message.size(); ++size) {
    const Bytes cut(message.begin(), message.begin() + static_cast<long>(size));
    const std::vector<uint16_t> types = ParseClientHelloExtensionTypes(cut);
    ASSERT_LE(types.size(), 3u) << size;
    EXPECT_TRUE(std::equal(types.begin(), types.end(), full.begin())) << size;
  }
  // Not a ClientHello; an extension whose length overruns the block.
  Bytes server_hello = message;
  server_hello[0] = 2;
  EXPECT_TRUE(ParseClientHelloExtensionTypes(server_hello).empty());
  const Bytes overrun = ClientHelloMessage({0x00, 0x0a, 0x00, 0x00, 0x00, 0x0b, 0x00, 0x09, 0x01});
  EXPECT_EQ(ParseClientHelloExtensionTypes(overrun), (std::vector<uint16_t>{0x000a}));
  // A session id length running past the message.
  Bytes bad_session = message;
  bad_session[4 + 34] = 0xff;
  EXPECT_LE(ParseClientHelloExtensionTypes(bad_session).size(), 4u);
}

}  // namespace
}  // namespace rampart::tls
