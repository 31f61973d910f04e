#include "compress/encoding.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace rampart::compress {
namespace {

// The server's usual preference: brotli, then zstd, then gzip.
constexpr std::array kAll = {Encoding::kBrotli, Encoding::kZstd, Encoding::kGzip};

Encoding Choose(std::string_view accept_encoding) { return ChooseEncoding(accept_encoding, kAll); }

TEST(EncodingNamesTest, TokensAreTheHttpOnes) {
  EXPECT_EQ(EncodingToken(Encoding::kIdentity), "identity");
  EXPECT_EQ(EncodingToken(Encoding::kGzip), "gzip");
  EXPECT_EQ(EncodingToken(Encoding::kBrotli), "br");
  EXPECT_EQ(EncodingToken(Encoding::kZstd), "zstd");
}

TEST(EncodingNamesTest, ConfigNames) {
  EXPECT_EQ(EncodingFromName("gzip"), Encoding::kGzip);
  EXPECT_EQ(EncodingFromName("br"), Encoding::kBrotli);
  EXPECT_EQ(EncodingFromName("brotli"), Encoding::kBrotli);
  EXPECT_EQ(EncodingFromName("zstd"), Encoding::kZstd);
  EXPECT_EQ(EncodingFromName("identity"), std::nullopt);
  EXPECT_EQ(EncodingFromName("deflate"), std::nullopt);
  EXPECT_EQ(EncodingFromName(""), std::nullopt);
  EXPECT_EQ(EncodingFromName("GZIP"), std::nullopt);
}

TEST(EncodingNegotiationTest, EmptyOrAbsentMeansIdentity) {
  EXPECT_EQ(Choose(""), Encoding::kIdentity);
  EXPECT_EQ(Choose("   "), Encoding::kIdentity);
  EXPECT_EQ(Choose(" , ,"), Encoding::kIdentity);
}

TEST(EncodingNegotiationTest, ServerPreferenceBreaksTies) {
  EXPECT_EQ(Choose("gzip, deflate, br, zstd"), Encoding::kBrotli);
  EXPECT_EQ(Choose("gzip, zstd"), Encoding::kZstd);
  EXPECT_EQ(Choose("gzip"), Encoding::kGzip);
  const std::array gzip_first = {Encoding::kGzip, Encoding::kBrotli};
  EXPECT_EQ(ChooseEncoding("br, gzip", gzip_first), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("br;q=0.5, gzip;q=0.500", gzip_first), Encoding::kGzip);
}

TEST(EncodingNegotiationTest, HighestWeightWins) {
  EXPECT_EQ(Choose("br;q=0.5, gzip;q=0.8"), Encoding::kGzip);
  EXPECT_EQ(Choose("br;q=0.001, gzip;q=0.002"), Encoding::kGzip);
  EXPECT_EQ(Choose("br;q=1.0, gzip"), Encoding::kBrotli);
  EXPECT_EQ(Choose("gzip;q=0.9,zstd;q=1"), Encoding::kZstd);
}

TEST(EncodingNegotiationTest, ZeroWeightRefuses) {
  EXPECT_EQ(Choose("br;q=0, gzip"), Encoding::kGzip);
  EXPECT_EQ(Choose("gzip;q=0"), Encoding::kIdentity);
  EXPECT_EQ(Choose("gzip;q=0.000, br;q=0."), Encoding::kIdentity);
}

TEST(EncodingNegotiationTest, OnlyOfferedCodingsAreChosen) {
  const std::array gzip_only = {Encoding::kGzip};
  EXPECT_EQ(ChooseEncoding("br, zstd", gzip_only), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("br, zstd;q=0.1, gzip;q=0.05", gzip_only), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("gzip", std::span<const Encoding>()), Encoding::kIdentity);
  EXPECT_EQ(Choose("deflate, compress"), Encoding::kIdentity);
}

TEST(EncodingNegotiationTest, StarCoversCodingsNotListed) {
  EXPECT_EQ(Choose("*"), Encoding::kBrotli);
  EXPECT_EQ(Choose("br;q=0, *"), Encoding::kZstd);
  EXPECT_EQ(Choose("br;q=0, zstd;q=0, *;q=0.3"), Encoding::kGzip);
  EXPECT_EQ(Choose("gzip;q=0.5, *;q=0.8"), Encoding::kBrotli);
  // A coding listed explicitly keeps its own weight, above or below the star's.
  EXPECT_EQ(Choose("*;q=0.1, gzip"), Encoding::kGzip);
  EXPECT_EQ(Choose("*;q=0"), Encoding::kIdentity);
  EXPECT_EQ(Choose("*;q=0, zstd;q=0.2"), Encoding::kZstd);
}

TEST(EncodingNegotiationTest, TokensAndParameterNamesAreCaseInsensitive) {
  EXPECT_EQ(Choose("GZIP"), Encoding::kGzip);
  EXPECT_EQ(Choose("Br;Q=0.4, gZip;q=0.2"), Encoding::kBrotli);
  EXPECT_EQ(Choose("ZSTD"), Encoding::kZstd);
}

TEST(EncodingNegotiationTest, XGzipIsGzip) {
  EXPECT_EQ(Choose("x-gzip"), Encoding::kGzip);
  EXPECT_EQ(Choose("X-GZIP;q=0.5, br;q=0.4"), Encoding::kGzip);
  EXPECT_EQ(Choose("x-gzip;q=0"), Encoding::kIdentity);
}

TEST(EncodingNegotiationTest, WhitespaceAroundElementsAndParameters) {
  EXPECT_EQ(Choose("  gzip ;  q=0.5 ,\tbr ; q=0.6  "), Encoding::kBrotli);
  EXPECT_EQ(Choose("gzip;q = 0.5, br;q=0.4"), Encoding::kGzip);
}

TEST(EncodingNegotiationTest, MalformedWeightSkipsTheElement) {
  // Each malformed q drops its element only; the rest of the list still counts.
  for (const char* bad : {"q=", "q=abc", "q=2", "q=1.5", "q=1.001", "q=0.1234", "q=-0.5", "q=.5",
                          "q=0,5", "q=0.5x", "q=\"0.5\""}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(Choose(std::string("br;") + bad + ", gzip;q=0.1"), Encoding::kGzip);
    EXPECT_EQ(Choose(std::string("br;") + bad), Encoding::kIdentity);
  }
  // The largest well-formed values.
  EXPECT_EQ(Choose("br;q=1.000, gzip"), Encoding::kBrotli);
  EXPECT_EQ(Choose("br;q=0.999, gzip;q=0.998"), Encoding::kBrotli);
}

TEST(EncodingNegotiationTest, GarbageIsIgnored) {
  EXPECT_EQ(Choose(";;;,,,=,;q=1"), Encoding::kIdentity);
  EXPECT_EQ(Choose("gzip br"), Encoding::kIdentity);  // one unknown token, not two codings
  EXPECT_EQ(Choose("\x01\xff, gzip"), Encoding::kGzip);
  EXPECT_EQ(Choose("gzip;level=9;q=0.5, br;foo;q=0.4"), Encoding::kGzip);
  EXPECT_EQ(Choose("gzipp, bro, zstd2"), Encoding::kIdentity);
}

TEST(EncodingNegotiationTest, ACodingListedTwiceTakesItsHighestWeight) {
  EXPECT_EQ(Choose("gzip;q=0, gzip;q=0.5, br;q=0.4"), Encoding::kGzip);
  EXPECT_EQ(Choose("gzip;q=0.9, x-gzip;q=0.1, br;q=0.5"), Encoding::kGzip);
}

TEST(EncodingNegotiationTest, IdentityIsAnOrdinaryOffer) {
  const std::array with_identity = {Encoding::kIdentity, Encoding::kGzip};
  // Implicitly acceptable, but below anything the client asked for.
  EXPECT_EQ(ChooseEncoding("gzip", with_identity), Encoding::kGzip);
  EXPECT_EQ(ChooseEncoding("identity, gzip", with_identity), Encoding::kIdentity);
  EXPECT_EQ(ChooseEncoding("identity;q=0.5, gzip", with_identity), Encoding::kGzip);
  // identity;q=0 with nothing else acceptable: no coding fits; the body goes out as it is.
  EXPECT_EQ(Choose("identity;q=0"), Encoding::kIdentity);
  EXPECT_EQ(Choose("identity;q=0, gzip"), Encoding::kGzip);
}

TEST(EncodingNegotiationTest, TypicalBrowserHeaders) {
  EXPECT_EQ(Choose("gzip, deflate, br, zstd"), Encoding::kBrotli);  // Chrome
  EXPECT_EQ(Choose("gzip, deflate, br"), Encoding::kBrotli);        // Firefox, Safari
  EXPECT_EQ(Choose("gzip, deflate"), Encoding::kGzip);              // curl --compressed, older
  EXPECT_EQ(Choose("identity"), Encoding::kIdentity);
}

TEST(EncodingKeyTest, KeyIsTheChosenToken) {
  EXPECT_EQ(AcceptedEncodingsKey("gzip, deflate, br, zstd", kAll), "br");
  EXPECT_EQ(AcceptedEncodingsKey("gzip, zstd", kAll), "zstd");
  EXPECT_EQ(AcceptedEncodingsKey("x-gzip", kAll), "gzip");
  EXPECT_EQ(AcceptedEncodingsKey("deflate", kAll), "identity");
  EXPECT_EQ(AcceptedEncodingsKey("", kAll), "identity");
  EXPECT_EQ(AcceptedEncodingsKey("*;q=0", kAll), "identity");
  EXPECT_EQ(AcceptedEncodingsKey("br", std::span<const Encoding>()), "identity");
}

TEST(EncodingKeyTest, EquivalentHeadersShareAKey) {
  const std::vector<std::string> same_variant = {"gzip, deflate, br", "BR;q=1, gzip;q=0.5", "br",
                                                 " br , identity", "*, zstd;q=0.9"};
  for (const std::string& header : same_variant) {
    SCOPED_TRACE(header);
    EXPECT_EQ(AcceptedEncodingsKey(header, kAll), "br");
  }
}

}  // namespace
}  // namespace rampart::compress
