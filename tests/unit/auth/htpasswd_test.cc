#include "auth/htpasswd.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace rampart::auth {
namespace {

namespace fs = std::filesystem;

// Hashes `password` with a fresh salt for `prefix` ("$2b$" with `cost` 5, or "$6$").
std::string MakeHash(const char* prefix, unsigned long cost, const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    ADD_FAILURE() << "crypt_gensalt_rn failed for " << prefix;
    return {};
  }
  auto data = std::make_unique<crypt_data>();
  const char* r = crypt_rn(password.c_str(), setting, data.get(), sizeof(crypt_data));
  if (r == nullptr) {
    ADD_FAILURE() << "crypt_rn failed for " << prefix;
    return {};
  }
  return r;
}

std::string Bcrypt(const std::string& password) { return MakeHash("$2b$", 5, password); }
std::string Sha512(const std::string& password) { return MakeHash("$6$", 0, password); }

class HtpasswdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart-htpasswd-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& content) {
    const std::string path = (dir_ / "htpasswd").string();
    std::ofstream(path, std::ios::trunc) << content;
    return path;
  }

  fs::path dir_;
};

TEST_F(HtpasswdTest, VerifiesBcryptAndSha512) {
  const std::string path = Write("# users\n\nalice:" + Bcrypt("s3cret") +
                                 "\nbob:" + Sha512("hunter2") + "\n  # indented comment\n");
  auto h = Htpasswd::Load(path);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ((*h)->size(), 2u);
  EXPECT_TRUE((*h)->Verify("alice", "s3cret"));
  EXPECT_FALSE((*h)->Verify("alice", "s3cret "));
  EXPECT_FALSE((*h)->Verify("alice", "hunter2"));
  EXPECT_FALSE((*h)->Verify("alice", ""));
  EXPECT_TRUE((*h)->Verify("bob", "hunter2"));
  EXPECT_FALSE((*h)->Verify("bob", "s3cret"));
  EXPECT_FALSE((*h)->Verify("Bob", "hunter2"));
}

TEST_F(HtpasswdTest, AcceptsAllBcryptPrefixesAndSha512Rounds) {
  std::string b = Bcrypt("pw");  // "$2b$05$..."
  std::string y = b;
  y[2] = 'y';
  std::string a = b;
  a[2] = 'a';
  const std::string rounds = MakeHash("$6$", 6000, "pw");
  ASSERT_EQ(rounds.rfind("$6$rounds=6000$", 0), 0u) << rounds;
  auto h = Htpasswd::Load(Write("b:" + b + "\ny:" + y + "\na:" + a + "\nr:" + rounds + "\r\n"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  for (const char* user : {"b", "y", "a", "r"}) {
    EXPECT_TRUE((*h)->Verify(user, "pw")) << user;
    EXPECT_FALSE((*h)->Verify(user, "pW")) << user;
  }
}

TEST_F(HtpasswdTest, UnknownUserFailsEvenWithAnotherUsersPassword) {
  auto h = Htpasswd::Load(Write("alice:" + Bcrypt("s3cret") + "\n"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_FALSE((*h)->Verify("mallory", "s3cret"));
  EXPECT_FALSE((*h)->Verify("", "s3cret"));
  EXPECT_FALSE((*h)->Verify("alice:", "s3cret"));
}

TEST_F(HtpasswdTest, PasswordWithNulIsRefused) {
  auto h = Htpasswd::Load(Write("alice:" + Sha512("abc") + "\n"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_TRUE((*h)->Verify("alice", "abc"));
  EXPECT_FALSE((*h)->Verify("alice", std::string("abc\0def", 7)));
}

TEST_F(HtpasswdTest, EmptyFileHasNoUsers) {
  auto h = Htpasswd::Load(Write("# nobody yet\n"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_EQ((*h)->size(), 0u);
  EXPECT_FALSE((*h)->Verify("alice", "x"));
}

TEST_F(HtpasswdTest, RefusesWeakOrUnknownHashesWithFileAndLine) {
  const std::string good = "alice:" + Bcrypt("pw") + "\n";
  const std::string weak[] = {
      "$apr1$abcdefgh$0123456789abcdefABCDEF",                         // Apache MD5
      "$1$abcdefgh$0123456789abcdefABCDEF",                            // MD5 crypt
      "rqXexS6ZhobKA",                                                 // DES crypt
      "{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",                             // unsalted SHA-1
      "plaintext-password",                                            // clear text
      "$5$saltsalt$Gbg2sK5sn3fkp6J1jW8y1a4d3vNcQkQ",                   // SHA-256 crypt
      "$2x$05$abcdefghijklmnopqrstuu5RYfJ7fOfGLdT1Pq1FN5BGg8uJAYqe.",  // broken 2x bcrypt
      "$2b$05$short",
      "$6$salt$tooshort",
      "",
  };
  for (const std::string& hash : weak) {
    const std::string path = Write(good + "# c\nbob:" + hash + "\n");
    auto h = Htpasswd::Load(path);
    ASSERT_FALSE(h.ok()) << hash;
    EXPECT_EQ(h.error().message,
              path + ":3: unsupported hash for user bob (use bcrypt or SHA-512 crypt)");
    if (!hash.empty()) {
      EXPECT_EQ(h.error().message.find(hash), std::string::npos) << "hash echoed";
    }
  }
}

TEST_F(HtpasswdTest, RefusesDuplicateUsersAndMalformedLines) {
  const std::string hash = Sha512("pw");
  std::string path = Write("alice:" + hash + "\nbob:" + hash + "\nalice:" + Bcrypt("x") + "\n");
  auto dup = Htpasswd::Load(path);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().message, path + ":3: duplicate user alice");

  path = Write("\nalice\n");
  auto no_colon = Htpasswd::Load(path);
  ASSERT_FALSE(no_colon.ok());
  EXPECT_EQ(no_colon.error().message, path + ":2: expected user:hash");

  path = Write(":" + hash + "\n");
  auto no_user = Htpasswd::Load(path);
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().message, path + ":1: empty user name");
}

TEST_F(HtpasswdTest, MissingFile) {
  const std::string path = (dir_ / "nope").string();
  auto h = Htpasswd::Load(path);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.error().message, path + ": cannot open (No such file or directory)");
}

TEST(BasicAuthTest, ParsesUserAndPassword) {
  // base64("alice:s3cret") = YWxpY2U6czNjcmV0
  auto r = Htpasswd::ParseBasicAuthorization("Basic YWxpY2U6czNjcmV0");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->first, "alice");
  EXPECT_EQ(r->second, "s3cret");

  auto lower = Htpasswd::ParseBasicAuthorization("  basic   YWxpY2U6czNjcmV0 ");
  ASSERT_TRUE(lower.ok()) << lower.error().message;
  EXPECT_EQ(lower->first, "alice");
  EXPECT_TRUE(Htpasswd::ParseBasicAuthorization("BASIC YWxpY2U6czNjcmV0").ok());
}

TEST(BasicAuthTest, EmptyPasswordAndColonsInPassword) {
  auto empty = Htpasswd::ParseBasicAuthorization("Basic YWxpY2U6");  // "alice:"
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_EQ(empty->first, "alice");
  EXPECT_EQ(empty->second, "");

  auto colons = Htpasswd::ParseBasicAuthorization("Basic YTpiOmM=");  // "a:b:c"
  ASSERT_TRUE(colons.ok()) << colons.error().message;
  EXPECT_EQ(colons->first, "a");
  EXPECT_EQ(colons->second, "b:c");

  auto pad2 = Htpasswd::ParseBasicAuthorization("Basic YTpi");  // "a:b"
  ASSERT_TRUE(pad2.ok()) << pad2.error().message;
  EXPECT_EQ(pad2->second, "b");

  auto one_pad = Htpasswd::ParseBasicAuthorization("Basic YTpiYw==");  // "a:bc"
  ASSERT_TRUE(one_pad.ok()) << one_pad.error().message;
  EXPECT_EQ(one_pad->second, "bc");
}

TEST(BasicAuthTest, RefusesWrongScheme) {
  for (const char* v : {"Bearer YWxpY2U6czNjcmV0", "YWxpY2U6czNjcmV0", "Basic", "Basic   ", "",
                        "Basicx YWxpY2U6czNjcmV0", "Digest username=\"alice\""}) {
    auto r = Htpasswd::ParseBasicAuthorization(v);
    ASSERT_FALSE(r.ok()) << v;
  }
  EXPECT_EQ(Htpasswd::ParseBasicAuthorization("Bearer abc").error().message,
            "Authorization: not the Basic scheme");
}

TEST(BasicAuthTest, RefusesBadBase64) {
  for (const char* v : {
           "Basic YWxpY2U6czNjcmV",    // length not a multiple of 4
           "Basic YWxpY2U6czNjcmV0=",  // stray padding
           "Basic YWxp Y2U6czNjcmV0",  // space inside
           "Basic YWxpY2U6czNjcm!0",   // bad character
           "Basic YW=pY2U6czNjcmV0",   // padding in the middle
           "Basic YTpiYx==",           // non-zero unused bits
           "Basic YTpiYw-_",           // base64url alphabet
           "Basic ====",
       }) {
    auto r = Htpasswd::ParseBasicAuthorization(v);
    ASSERT_FALSE(r.ok()) << v;
    EXPECT_EQ(r.error().message, "Authorization: malformed base64 in Basic credentials") << v;
  }
}

TEST(BasicAuthTest, RefusesCredentialsWithoutColonOrUser) {
  auto no_colon = Htpasswd::ParseBasicAuthorization("Basic YWxpY2U=");  // "alice"
  ASSERT_FALSE(no_colon.ok());
  EXPECT_EQ(no_colon.error().message, "Authorization: Basic credentials without ':'");
  EXPECT_EQ(no_colon.error().message.find("alice"), std::string::npos);

  auto no_user = Htpasswd::ParseBasicAuthorization("Basic OnB3");  // ":pw"
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().message, "Authorization: empty user in Basic credentials");
}

TEST_F(HtpasswdTest, ParsedHeaderVerifies) {
  auto h = Htpasswd::Load(Write("alice:" + Bcrypt("s3cret") + "\n"));
  ASSERT_TRUE(h.ok()) << h.error().message;
  auto creds = Htpasswd::ParseBasicAuthorization("Basic YWxpY2U6czNjcmV0");
  ASSERT_TRUE(creds.ok());
  EXPECT_TRUE((*h)->Verify(creds->first, creds->second));
}

}  // namespace
}  // namespace rampart::auth
