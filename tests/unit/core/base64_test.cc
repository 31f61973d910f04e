#include "core/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace rampart::core {
namespace {

constexpr auto kStd = Base64Alphabet::kStandard;
constexpr auto kUrl = Base64Alphabet::kUrl;

std::string Decoded(std::string_view in, Base64Alphabet alphabet) {
  std::string out = "untouched";
  return Base64Decode(in, alphabet, &out) ? out : "<refused:" + out + ">";
}

constexpr const char* kRefused = "<refused:>";  // refused, and nothing half-decoded left behind

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain, kStd), encoded);
    EXPECT_EQ(Decoded(encoded, kStd), plain) << encoded;
    std::string url = encoded;
    while (!url.empty() && url.back() == '=') url.pop_back();
    EXPECT_EQ(Base64UrlEncode(plain), url);
    EXPECT_EQ(Decoded(url, kUrl), plain) << url;
  }
}

TEST(Base64Test, AlphabetsDifferOnlyInTwoCharacters) {
  const std::string bytes = "\xfb\xff\xbf";
  EXPECT_EQ(Base64Encode(bytes, kStd), "+/+/");
  EXPECT_EQ(Base64Encode(bytes, kUrl), "-_-_");
  EXPECT_EQ(Decoded("+/+/", kStd), bytes);
  EXPECT_EQ(Decoded("-_-_", kUrl), bytes);
  EXPECT_EQ(Decoded("-_-_", kStd), kRefused);
  EXPECT_EQ(Decoded("+/+/", kUrl), kRefused);
}

TEST(Base64Test, RoundTripsEveryByteAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t len = 0; len <= bytes.size(); len += 1 + len / 8) {
    const std::string in = bytes.substr(bytes.size() - len);
    for (const auto alphabet : {kStd, kUrl}) {
      EXPECT_EQ(Decoded(Base64Encode(in, alphabet), alphabet), in) << len;
    }
  }
}

TEST(Base64Test, StandardIsStrict) {
  for (const char* in : {
           "Zm9vYg",     // padding left out
           "Zm9vYg=",    // padding short
           "Zm9vYg===",  // padding too long
           "Zm9vY===",   // three '='
           "====",       // only padding
           "Zg==Zg==",   // padding in the middle
           "Zm=v",       //
           "Zh==",       // non-zero trailing bits ("Zg==" is canonical)
           "Zm9=",       // ("Zm8=")
           "Zm9v\n",     // whitespace
           " Zm9v",      //
           "Zm 9v",      //
           "Zm9v!A==",   // bad character
       }) {
    EXPECT_EQ(Decoded(in, kStd), kRefused) << in;
  }
  EXPECT_EQ(Decoded(std::string_view("Zm\0v", 4), kStd), kRefused);  // NUL
  EXPECT_EQ(Decoded("\xc3\xa9\xc3\xa9", kStd), kRefused);            // non-ASCII
}

TEST(Base64Test, UrlIsStrict) {
  for (const char* in : {
           "Zg==",      // padding
           "Zm8=",      //
           "Z",         // impossible length
           "Zm9vY",     //
           "Zh",        // non-zero trailing bits
           "Zm9",       //
           "Zm9v\r\n",  // whitespace
           "Zm+v",      // standard alphabet
           "Zm/v",      //
       }) {
    EXPECT_EQ(Decoded(in, kUrl), kRefused) << in;
  }
}

TEST(Base64Test, JoseShorthands) {
  std::string out;
  EXPECT_TRUE(Base64UrlDecode("aGVsbG8", &out));
  EXPECT_EQ(out, "hello");
  EXPECT_FALSE(Base64UrlDecode("aGVsbG8=", &out));
  EXPECT_TRUE(Base64UrlDecode("", &out));
  EXPECT_EQ(out, "");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
}

}  // namespace
}  // namespace rampart::core
