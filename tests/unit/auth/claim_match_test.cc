// ClaimAccepts: a route's required claim against a verified token's claim text (strings as they
// are, anything else as compact JSON, as JwtResult::claims and json_claims hold them).

#include "auth/claim_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rampart::auth {
namespace {

using Accepted = std::vector<std::string>;

// A string claim, and a claim of any other JSON type (JwtResult::json_claims).
bool StringClaim(std::string_view name, std::string_view text, const Accepted& accepted) {
  return ClaimAccepts(name, text, /*is_json=*/false, accepted);
}
bool JsonClaim(std::string_view name, std::string_view text, const Accepted& accepted) {
  return ClaimAccepts(name, text, /*is_json=*/true, accepted);
}

TEST(ClaimMatchTest, NoAcceptedValuesMeansPresenceIsEnough) {
  EXPECT_TRUE(StringClaim("role", "anything", {}));
  EXPECT_TRUE(StringClaim("role", "", {}));
  EXPECT_TRUE(StringClaim("scope", "read write", {}));
  EXPECT_TRUE(JsonClaim("groups", "[]", {}));
  EXPECT_TRUE(JsonClaim("n", "null", {}));
}

TEST(ClaimMatchTest, StringClaimMustEqualAnAcceptedValue) {
  EXPECT_TRUE(StringClaim("role", "admin", {"admin"}));
  EXPECT_TRUE(StringClaim("role", "admin", {"user", "admin"}));
  EXPECT_FALSE(StringClaim("role", "admin", {"user"}));
  // Exact, case-sensitive comparison: no prefixes, no trimming.
  EXPECT_FALSE(StringClaim("role", "Admin", {"admin"}));
  EXPECT_FALSE(StringClaim("role", "admin", {"adm"}));
  EXPECT_FALSE(StringClaim("role", "admin ", {"admin"}));
  EXPECT_FALSE(StringClaim("role", "", {"admin"}));
  EXPECT_TRUE(StringClaim("role", "", {""}));
}

TEST(ClaimMatchTest, SpacesSplitOnlyScopeClaims) {
  // A claim other than scope/scp is one value, spaces and all.
  EXPECT_FALSE(StringClaim("roles", "read write", {"read"}));
  EXPECT_TRUE(StringClaim("roles", "read write", {"read write"}));
  EXPECT_FALSE(StringClaim("scopes", "read write", {"write"}));
}

TEST(ClaimMatchTest, ScopeMatchesOneOfItsWords) {
  for (const char* name : {"scope", "scp"}) {
    EXPECT_TRUE(StringClaim(name, "read write admin", {"write"})) << name;
    EXPECT_TRUE(StringClaim(name, "read write admin", {"read"})) << name;
    EXPECT_TRUE(StringClaim(name, "read write admin", {"admin"})) << name;
    EXPECT_TRUE(StringClaim(name, "read write admin", {"delete", "admin"})) << name;
    EXPECT_TRUE(StringClaim(name, "admin", {"admin"})) << name;
    EXPECT_FALSE(StringClaim(name, "read write admin", {"delete"})) << name;
    // Whole words only.
    EXPECT_FALSE(StringClaim(name, "read writer", {"write"})) << name;
    EXPECT_FALSE(StringClaim(name, "read write", {"wri"})) << name;
    EXPECT_FALSE(StringClaim(name, "readwrite", {"read"})) << name;
    // Repeated, leading and trailing spaces make no empty word that "" could match.
    EXPECT_TRUE(StringClaim(name, "  read   write  ", {"write"})) << name;
    EXPECT_FALSE(StringClaim(name, "  read   write  ", {""})) << name;
    EXPECT_FALSE(StringClaim(name, "", {"read"})) << name;
  }
  // The claim's name is exact.
  EXPECT_FALSE(StringClaim("Scope", "read write", {"write"}));
  EXPECT_FALSE(StringClaim("scp ", "read write", {"write"}));
}

TEST(ClaimMatchTest, ArrayClaimMatchesAnElement) {
  EXPECT_TRUE(JsonClaim("groups", R"(["dev","ops"])", {"ops"}));
  EXPECT_TRUE(JsonClaim("groups", R"(["dev","ops"])", {"admin", "dev"}));
  EXPECT_FALSE(JsonClaim("groups", R"(["dev","ops"])", {"admin"}));
  EXPECT_FALSE(JsonClaim("groups", R"([])", {"admin"}));
  // The array's own text is not an element.
  EXPECT_FALSE(JsonClaim("groups", R"(["dev","ops"])", {R"(["dev","ops"])"}));
  // Elements are whole strings; a space inside one does not split it, even for scope.
  EXPECT_TRUE(JsonClaim("groups", R"(["a b"])", {"a b"}));
  EXPECT_FALSE(JsonClaim("groups", R"(["a b"])", {"a"}));
  EXPECT_TRUE(JsonClaim("scp", R"(["read","write"])", {"write"}));
  EXPECT_FALSE(JsonClaim("scp", R"(["read write"])", {"write"}));
  // Escapes are decoded before comparing.
  EXPECT_TRUE(JsonClaim("groups", R"(["caf\u00e9","a\"b"])", {"café"}));
  EXPECT_TRUE(JsonClaim("groups", R"(["caf\u00e9","a\"b"])", {"a\"b"}));
}

TEST(ClaimMatchTest, ArrayElementsOtherThanStringsCompareAsJsonText) {
  const std::string mixed = R"([42,true,null,1.5,{"a":1},["x"]])";
  EXPECT_TRUE(JsonClaim("levels", mixed, {"42"}));
  EXPECT_TRUE(JsonClaim("levels", mixed, {"true"}));
  EXPECT_TRUE(JsonClaim("levels", mixed, {"null"}));
  EXPECT_TRUE(JsonClaim("levels", mixed, {"1.5"}));
  EXPECT_TRUE(JsonClaim("levels", mixed, {R"({"a":1})"}));
  EXPECT_TRUE(JsonClaim("levels", mixed, {R"(["x"])"}));
  EXPECT_FALSE(JsonClaim("levels", mixed, {"x"}));  // nested arrays are not flattened
  EXPECT_FALSE(JsonClaim("levels", mixed, {"false"}));
  EXPECT_FALSE(JsonClaim("levels", mixed, {"\"42\""}));
}

TEST(ClaimMatchTest, NumbersAndBooleansCompareAsTheirText) {
  EXPECT_TRUE(JsonClaim("level", "42", {"42"}));
  EXPECT_FALSE(JsonClaim("level", "42", {"042"}));
  EXPECT_TRUE(JsonClaim("email_verified", "true", {"true"}));
  EXPECT_FALSE(JsonClaim("email_verified", "false", {"true"}));
  EXPECT_TRUE(JsonClaim("org", R"({"id":7})", {R"({"id":7})"}));
}

TEST(ClaimMatchTest, TextThatIsNotAJsonArrayIsOneValue) {
  EXPECT_TRUE(StringClaim("role", "[admin", {"[admin"}));
  EXPECT_FALSE(StringClaim("role", "[admin", {"admin"}));
  EXPECT_TRUE(StringClaim("role", "[admin] user", {"[admin] user"}));
  EXPECT_FALSE(StringClaim("role", "[\"admin\"] x", {"admin"}));
  EXPECT_TRUE(StringClaim("scope", "[read write", {"write"}));  // still split into words
  // A string that looks like an array is a string: its "elements" are not accepted.
  EXPECT_FALSE(StringClaim("role", R"(["admin"])", {"admin"}));
  EXPECT_TRUE(StringClaim("role", R"(["admin"])", {R"(["admin"])"}));
}

}  // namespace
}  // namespace rampart::auth
