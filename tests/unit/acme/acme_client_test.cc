// The request layer of the ACME client against a scripted transport: nonces are taken from
// newNonce once and then from each answer, a badNonce refusal is re-sent with the fresh nonce
// (pebble refuses 5% of nonces on purpose), and other problems end the request with the CA's
// words. The whole protocol runs against a real pebble in tests/e2e/acme_pebble_e2e.cc.

#include "acme/acme_client.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <deque>
#include <nlohmann/json.hpp>

#include "acme/jws.h"

namespace rampart::acme {
namespace {

using nlohmann::json;

constexpr char kDirectory[] = "https://ca.test/dir";

std::string Base64UrlDecode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  std::string out(text.size(), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  size_t padding = 0;
  for (size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

class ScriptedTransport : public HttpTransport {
 public:
  core::Result<HttpResponse> Get(const std::string& url) override {
    ++gets;
    EXPECT_EQ(url, kDirectory);
    HttpResponse response;
    response.status = 200;
    response.body = json{{"newNonce", "https://ca.test/nonce"},
                         {"newAccount", "https://ca.test/account"},
                         {"newOrder", "https://ca.test/order"}}
                        .dump();
    return response;
  }
  core::Result<HttpResponse> Head(const std::string& url) override {
    ++heads;
    EXPECT_EQ(url, "https://ca.test/nonce");
    HttpResponse response;
    response.status = 200;
    response.headers["replay-nonce"] = "from-new-nonce";
    return response;
  }
  core::Result<HttpResponse> Post(const std::string& url, const std::string& body) override {
    const json jws = json::parse(body);
    const json header = json::parse(Base64UrlDecode(jws["protected"]));
    EXPECT_EQ(header["url"], url);
    nonces_used.push_back(header["nonce"]);
    if (answers.empty()) return core::MakeError("unexpected POST to " + url);
    HttpResponse response = answers.front();
    answers.pop_front();
    return response;
  }

  static HttpResponse Answer(long status, std::string nonce, std::string body) {
    HttpResponse response;
    response.status = status;
    response.headers["replay-nonce"] = std::move(nonce);
    response.body = std::move(body);
    return response;
  }
  static HttpResponse BadNonce(std::string nonce) {
    return Answer(400, std::move(nonce),
                  R"({"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an )"
                  R"(invalid anti-replay nonce","status":400})");
  }

  int gets = 0;
  int heads = 0;
  std::vector<std::string> nonces_used;
  std::deque<HttpResponse> answers;
};

class AcmeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = EcKey::Generate();
    ASSERT_TRUE(key);
    key_ = std::make_unique<EcKey>(std::move(*key));
    client_ = std::make_unique<AcmeClient>(kDirectory, "", *key_, transport_,
                                           [](std::chrono::milliseconds) { return true; });
  }

  ScriptedTransport transport_;
  std::unique_ptr<EcKey> key_;
  std::unique_ptr<AcmeClient> client_;
};

TEST_F(AcmeClientTest, ReusesTheNonceOfEachAnswer) {
  transport_.answers = {ScriptedTransport::Answer(200, "n1", "{}"),
                        ScriptedTransport::Answer(200, "n2", "{}")};
  ASSERT_TRUE(client_->PostJws("https://ca.test/a", ""));
  ASSERT_TRUE(client_->PostJws("https://ca.test/b", ""));
  EXPECT_EQ(transport_.gets, 1);   // the directory, once
  EXPECT_EQ(transport_.heads, 1);  // newNonce only when no nonce is at hand
  EXPECT_EQ(transport_.nonces_used, (std::vector<std::string>{"from-new-nonce", "n1"}));
}

TEST_F(AcmeClientTest, RetriesBadNonceWithTheFreshNonce) {
  transport_.answers = {ScriptedTransport::BadNonce("fresh-1"),
                        ScriptedTransport::BadNonce("fresh-2"),
                        ScriptedTransport::Answer(201, "n3", R"({"status":"pending"})")};
  auto response = client_->PostJws("https://ca.test/order", R"({"identifiers":[]})");
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(transport_.nonces_used,
            (std::vector<std::string>{"from-new-nonce", "fresh-1", "fresh-2"}));
}

TEST_F(AcmeClientTest, GivesUpAfterTheLastBadNonceRetry) {
  for (int i = 0; i <= AcmeClient::kBadNonceRetries; ++i) {
    transport_.answers.push_back(ScriptedTransport::BadNonce("f" + std::to_string(i)));
  }
  auto response = client_->PostJws("https://ca.test/order", "{}");
  ASSERT_FALSE(response);
  EXPECT_EQ(transport_.nonces_used.size(), size_t{AcmeClient::kBadNonceRetries} + 1);
  EXPECT_EQ(response.error().message,
            "https://ca.test/order: HTTP 400: urn:ietf:params:acme:error:badNonce: JWS has an "
            "invalid anti-replay nonce");
}

TEST_F(AcmeClientTest, OtherProblemsAreNotRetried) {
  transport_.answers = {ScriptedTransport::Answer(
      403, "n1",
      R"({"type":"urn:ietf:params:acme:error:unauthorized","detail":"account is deactivated"})")};
  auto response = client_->PostJws("https://ca.test/order", "{}");
  ASSERT_FALSE(response);
  EXPECT_EQ(transport_.nonces_used.size(), 1u);
  EXPECT_EQ(response.error().message,
            "https://ca.test/order: HTTP 403: urn:ietf:params:acme:error:unauthorized: account is "
            "deactivated");
}

TEST_F(AcmeClientTest, AccountUrlBecomesTheKid) {
  HttpResponse created = ScriptedTransport::Answer(201, "n1", R"({"status":"valid"})");
  created.headers["location"] = "https://ca.test/acct/42";
  transport_.answers = {created, ScriptedTransport::Answer(200, "n2", "{}")};
  ASSERT_TRUE(client_->EnsureAccount());
  ASSERT_TRUE(client_->EnsureAccount());  // once only
  EXPECT_EQ(client_->account_url(), "https://ca.test/acct/42");
  EXPECT_EQ(client_->thumbprint(), JwkThumbprint(key_->PublicJwk()));
  ASSERT_TRUE(client_->PostJws("https://ca.test/x", ""));
  EXPECT_EQ(transport_.nonces_used.size(), 2u);
}

}  // namespace
}  // namespace rampart::acme
