// ACME problem documents (RFC 8555 section 6.7) parsed and described for the logs.

#include "acme/problem.h"

#include <gtest/gtest.h>

namespace rampart::acme {
namespace {

TEST(ParseProblem, ReadsTypeDetailAndStatus) {
  auto problem = ParseProblem(R"({"type":"urn:ietf:params:acme:error:badNonce",
      "detail":"JWS has an invalid anti-replay nonce","status":400})");
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->type, kBadNonce);
  EXPECT_EQ(problem->detail, "JWS has an invalid anti-replay nonce");
  EXPECT_EQ(problem->status, 400);
  EXPECT_EQ(DescribeProblem(*problem),
            "urn:ietf:params:acme:error:badNonce: JWS has an invalid anti-replay nonce");
}

TEST(ParseProblem, ReadsSubproblemsWithTheirIdentifiers) {
  auto problem = ParseProblem(R"({
    "type": "urn:ietf:params:acme:error:malformed",
    "detail": "Some of the identifiers requested were rejected",
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:malformed", "detail": "Invalid underscore in DNS name",
       "identifier": {"type": "dns", "value": "_example.org"}},
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier",
       "detail": "This CA will not issue for \"example.net\"",
       "identifier": {"type": "dns", "value": "example.net"}},
      "not an object"
    ]})");
  ASSERT_TRUE(problem);
  ASSERT_EQ(problem->subproblems.size(), 2u);
  EXPECT_EQ(problem->subproblems[1].identifier, "example.net");
  EXPECT_EQ(DescribeProblem(*problem),
            "urn:ietf:params:acme:error:malformed: Some of the identifiers requested were "
            "rejected; _example.org: urn:ietf:params:acme:error:malformed: Invalid underscore in "
            "DNS name; example.net: urn:ietf:params:acme:error:rejectedIdentifier: This CA will "
            "not issue for \"example.net\"");
}

TEST(ParseProblem, RefusesWhatIsNotAProblem) {
  EXPECT_FALSE(ParseProblem(""));
  EXPECT_FALSE(ParseProblem("<html>502 Bad Gateway</html>"));
  EXPECT_FALSE(ParseProblem("[1,2]"));
  EXPECT_FALSE(ParseProblem(R"({"status":"valid"})"));
  // Wrong member types are ignored, not thrown.
  auto odd = ParseProblem(R"({"type":7,"detail":"only a detail","status":"400"})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->type, "");
  EXPECT_EQ(odd->status, 0);
  EXPECT_EQ(DescribeProblem(*odd), "(no type): only a detail");
}

}  // namespace
}  // namespace rampart::acme
