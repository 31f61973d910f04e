#include "auth/api_keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace rampart::auth {
namespace {

namespace fs = std::filesystem;

// SHA-256("abc"), from FIPS 180-2.
constexpr const char* kAbcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rampart-apikeys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& content) {
    const std::string path = (dir_ / "api-keys").string();
    std::ofstream(path, std::ios::trunc) << content;
    return path;
  }

  // The error of loading `content`, with the path replaced by "F".
  std::string LoadError(const std::string& content) {
    const std::string path = Write(content);
    auto keys = ApiKeys::Load(path);
    if (keys.ok()) return "loaded";
    std::string m = keys.error().message;
    if (m.rfind(path, 0) == 0) m.replace(0, path.size(), "F");
    return m;
  }

  fs::path dir_;
};

TEST(ApiKeysHashTest, HashLineMatchesKnownDigest) {
  EXPECT_EQ(HashApiKeyLine("svc", "abc"), std::string("svc:sha256:") + kAbcHex);
}

TEST_F(ApiKeysTest, FindsKeysByName) {
  const std::string path =
      Write("# keys\n\n" + HashApiKeyLine("billing", "key-one-0123456789") +
            "\n  # indented comment\n" + HashApiKeyLine("ci.bot_2-x", "key-two-abcdef") + "\r\n");
  auto keys = ApiKeys::Load(path);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ((*keys)->size(), 2u);
  EXPECT_EQ((*keys)->Find("key-one-0123456789"), "billing");
  EXPECT_EQ((*keys)->Find("key-two-abcdef"), "ci.bot_2-x");
  EXPECT_EQ((*keys)->Find("key-one-0123456788"), std::nullopt);
  EXPECT_EQ((*keys)->Find("key-one-0123456789 "), std::nullopt);
  EXPECT_EQ((*keys)->Find(""), std::nullopt);
  EXPECT_EQ((*keys)->Find("billing"), std::nullopt);
}

TEST_F(ApiKeysTest, UpperCaseHexAccepted) {
  std::string upper = kAbcHex;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto keys = ApiKeys::Load(Write("svc:sha256:" + upper + "\n"));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ((*keys)->Find("abc"), "svc");
}

TEST_F(ApiKeysTest, RefusesBadLinesWithFileAndLine) {
  const std::string hex = kAbcHex;
  EXPECT_EQ(LoadError("# c\nsvc\n"), "F:2: expected name:sha256:<64 hex digits>");
  EXPECT_EQ(LoadError("svc:" + hex + "\n"), "F:1: expected name:sha256:<64 hex digits>");
  EXPECT_EQ(LoadError("\nsvc:md5:" + hex + "\n"),
            "F:2: unknown algorithm md5 for key svc (use sha256)");
  EXPECT_EQ(LoadError("svc:SHA256:" + hex + "\n"),
            "F:1: unknown algorithm SHA256 for key svc (use sha256)");
  EXPECT_EQ(LoadError("svc::" + hex + "\n"), "F:1: unknown algorithm for key svc (use sha256)");
  EXPECT_EQ(LoadError("svc:sha256:" + hex.substr(1) + "\n"),
            "F:1: the SHA-256 of key svc must be 64 hex digits, not 63");
  EXPECT_EQ(LoadError("svc:sha256:" + hex + "00\n"),
            "F:1: the SHA-256 of key svc must be 64 hex digits, not 66");
  EXPECT_EQ(LoadError("svc:sha256:\n"), "F:1: the SHA-256 of key svc must be 64 hex digits, not 0");
  EXPECT_EQ(LoadError("svc:sha256:" + hex.substr(0, 63) + "g\n"),
            "F:1: the SHA-256 of key svc is not hexadecimal");
  EXPECT_EQ(LoadError("svc:sha256:" + hex.substr(0, 62) + " 0\n"),
            "F:1: the SHA-256 of key svc is not hexadecimal");
  const char* kBadNameMessage = "F:1: bad key name (use letters, digits, '_', '.', '-')";
  EXPECT_EQ(LoadError(":sha256:" + hex + "\n"), kBadNameMessage);
  EXPECT_EQ(LoadError("my key:sha256:" + hex + "\n"), kBadNameMessage);
  EXPECT_EQ(LoadError("k\xc3\xa9y:sha256:" + hex + "\n"), kBadNameMessage);
  EXPECT_EQ(LoadError("a/b:sha256:" + hex + "\n"), kBadNameMessage);
  // The SHA-256 of the empty key.
  EXPECT_EQ(LoadError(HashApiKeyLine("svc", "") + "\n"), "F:1: key svc is the empty key");
}

TEST_F(ApiKeysTest, ErrorsNeverQuoteTheLine) {
  // An operator pasted a key in clear instead of its hash.
  const std::string secret = "sk_live_0123456789abcdef";
  const std::string m = LoadError("svc:sha256:" + secret + "\n");
  EXPECT_EQ(m.find(secret), std::string::npos) << m;
  const std::string m2 = LoadError("svc:" + secret + ":x\n");
  EXPECT_EQ(m2.find(secret), std::string::npos) << m2;
}

TEST_F(ApiKeysTest, RefusesDuplicates) {
  EXPECT_EQ(LoadError(HashApiKeyLine("svc", "k1") + "\n# c\n" + HashApiKeyLine("svc", "k2") + "\n"),
            "F:3: duplicate key name svc (first on line 1)");
  EXPECT_EQ(LoadError(HashApiKeyLine("a", "k1") + "\n" + HashApiKeyLine("b", "k1") + "\n"),
            "F:2: key b has the same hash as line 1");
}

TEST_F(ApiKeysTest, MissingFile) {
  const std::string path = (dir_ / "nope").string();
  auto keys = ApiKeys::Load(path);
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().message, path + ": cannot open (No such file or directory)");
}

TEST_F(ApiKeysTest, HashLineRoundTrips) {
  const std::string key("bin\0ary\xff key", 12);
  auto keys = ApiKeys::Load(Write(HashApiKeyLine("svc", key) + "\n"));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ((*keys)->Find(key), "svc");
  EXPECT_EQ((*keys)->Find(key.substr(0, 11)), std::nullopt);
}

// Runs scripts/hash-api-key.sh NAME with `key` on stdin; returns its stdout (or "" on failure).
std::string RunScript(const std::string& name, const std::string& stdin_text, int* status) {
  const fs::path input =
      fs::temp_directory_path() / ("rampart-apikeys-stdin-" + std::to_string(::getpid()));
  std::ofstream(input, std::ios::trunc) << stdin_text;
  const std::string cmd = std::string(RAMPART_SOURCE_DIR "/scripts/hash-api-key.sh ") + name +
                          " < " + input.string() + " 2>/dev/null";
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *status = ::pclose(p);
  fs::remove(input);
  return out;
}

TEST_F(ApiKeysTest, ScriptProducesALineTheLoaderAccepts) {
  int status = -1;
  const std::string line = RunScript("ci-bot", "tok_9f8e7d6c5b4a\n", &status);
  ASSERT_EQ(status, 0);
  EXPECT_EQ(line, HashApiKeyLine("ci-bot", "tok_9f8e7d6c5b4a") + "\n");
  auto keys = ApiKeys::Load(Write("# generated\n" + line));
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ((*keys)->Find("tok_9f8e7d6c5b4a"), "ci-bot");

  // Without a trailing newline the key is the same.
  EXPECT_EQ(RunScript("ci-bot", "tok_9f8e7d6c5b4a", &status), line);
  EXPECT_EQ(status, 0);
}

TEST_F(ApiKeysTest, ScriptRefusesBadNameAndEmptyKey) {
  int status = 0;
  EXPECT_EQ(RunScript("'bad name'", "k\n", &status), "");
  EXPECT_NE(status, 0);
  status = 0;
  EXPECT_EQ(RunScript("svc", "\n", &status), "");
  EXPECT_NE(status, 0);
}

}  // namespace
}  // namespace rampart::auth
