#include "routing/router.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/regex.h"
#include "routing/normalize_path.h"

namespace rampart::routing {
namespace {

// A compiled regex, failing the test when `pattern` does not compile.
std::shared_ptr<const core::Regex> MustCompile(const std::string& pattern) {
  auto re = core::Regex::Compile(pattern);
  if (!re.ok()) {
    ADD_FAILURE() << pattern << ": " << re.error().message;
    return nullptr;
  }
  return re.value();
}

http::Request MakeRequest(std::string method, std::string host, std::string target) {
  http::Request r;
  r.method = std::move(method);
  r.host = std::move(host);
  r.target = std::move(target);
  return r;
}

std::shared_ptr<Route> NamedRoute(std::string name) {
  auto route = std::make_shared<Route>();
  route->name = std::move(name);
  return route;
}

// The name of the route matching `request`, whose path is normalised first as the proxy does,
// or "<none>".
std::string MatchName(const Router& router, const http::Request& request) {
  const std::optional<std::string> path = NormalizePath(request.path());
  if (!path) {
    ADD_FAILURE() << "path does not normalise: " << request.target;
    return "<bad path>";
  }
  const Route* route = router.Match(request, *path);
  return route == nullptr ? "<none>" : route->name;
}

TEST(RouterTest, FirstMatchWins) {
  auto api = NamedRoute("api");
  api->path_prefix = "/api/";
  auto any1 = NamedRoute("any1");
  auto any2 = NamedRoute("any2");
  const Router router({api, any1, any2});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "example.com", "/api/users")), "api");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "example.com", "/other")), "any1");
  EXPECT_EQ(router.routes().size(), 3u);
}

TEST(RouterTest, NoMatchIsNull) {
  auto api = NamedRoute("api");
  api->path_prefix = "/api/";
  const Router router({api});
  EXPECT_EQ(router.Match(MakeRequest("GET", "example.com", "/apix"), "/apix"), nullptr);
  EXPECT_EQ(Router({}).Match(MakeRequest("GET", "example.com", "/"), "/"), nullptr);
}

TEST(RouterTest, ExactHostIsCaseInsensitiveAndIgnoresPortAndTrailingDot) {
  auto route = NamedRoute("exact");
  route->host = "example.com";  // the runtime builder stores hosts in lower case
  const Router router({route});
  for (const char* host :
       {"example.com", "EXAMPLE.com", "Example.Com:8080", "example.com.", "example.com.:443"}) {
    EXPECT_EQ(MatchName(router, MakeRequest("GET", host, "/")), "exact") << host;
  }
  for (const char* host :
       {"example.org", "www.example.com", "example.com.evil", "xexample.com", "", "example.co"}) {
    EXPECT_EQ(MatchName(router, MakeRequest("GET", host, "/")), "<none>") << host;
  }
}

TEST(RouterTest, WildcardHostMatchesSubdomainsOnly) {
  auto route = NamedRoute("wild");
  route->host = ".example.com";  // "*.example.com" as the runtime builder stores it
  route->host_wildcard = true;
  const Router router({route});
  for (const char* host :
       {"a.example.com", "a.b.example.com", "A.EXAMPLE.COM:80", "a.example.com."}) {
    EXPECT_EQ(MatchName(router, MakeRequest("GET", host, "/")), "wild") << host;
  }
  for (const char* host : {"example.com", ".example.com", "aexample.com", "a.example.org",
                           "example.com.evil.net", "a.example.com.evil"}) {
    EXPECT_EQ(MatchName(router, MakeRequest("GET", host, "/")), "<none>") << host;
  }
}

TEST(RouterTest, EmptyHostMatchesAnyHost) {
  const Router router({NamedRoute("any")});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "", "/")), "any");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "whatever.test:1", "/")), "any");
}

TEST(RouterTest, PathPrefix) {
  auto route = NamedRoute("api");
  route->path_prefix = "/api/";
  const Router router({route});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/api/")), "api");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/api/v1/x?q=1")), "api");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "http://h/api/x")), "api");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/api")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/API/x")), "<none>");  // case-sensitive
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/x/api/")), "<none>");
  // The query is not part of the path.
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/x?next=/api/")), "<none>");
}

TEST(RouterTest, MatchesTheGivenPathNotTheRawTarget) {
  auto admin = NamedRoute("admin");
  admin->path_prefix = "/admin/";
  auto rest = NamedRoute("rest");
  const Router router({admin, rest});
  const http::Request raw = MakeRequest("GET", "h", "/public/../admin/x");
  EXPECT_EQ(router.Match(raw, "/admin/x"), admin.get());
  EXPECT_EQ(router.Match(raw, "/public/x"), rest.get());
  // Dot segments and escaped dots in the target cannot dodge the admin route.
  EXPECT_EQ(MatchName(router, raw), "admin");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/public/%2e%2E/admin/x")), "admin");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "//admin//x")), "admin");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/%61dmin/x")), "admin");
}

TEST(RouterTest, ExactPath) {
  auto route = NamedRoute("health");
  route->exact_path = "/healthz";
  const Router router({route});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/healthz")), "health");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/healthz?verbose=1")), "health");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/healthz/")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/healthzz")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/")), "<none>");
}

TEST(RouterTest, PathRegex) {
  auto route = NamedRoute("user");
  route->path_regex = MustCompile("^/users/[0-9]+$");
  const Router router({route});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/users/42")), "user");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/users/42?x=y")), "user");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/users/abc")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/users/42/x")), "<none>");
}

TEST(RouterTest, Methods) {
  auto route = NamedRoute("write");
  route->methods = {"POST", "PUT"};
  const Router router({route, NamedRoute("rest")});
  EXPECT_EQ(MatchName(router, MakeRequest("POST", "h", "/")), "write");
  EXPECT_EQ(MatchName(router, MakeRequest("PUT", "h", "/")), "write");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "h", "/")), "rest");
  // Methods are case-sensitive.
  EXPECT_EQ(MatchName(router, MakeRequest("post", "h", "/")), "rest");
}

TEST(RouterTest, HeaderMatchNeedsEveryHeaderWithTheExactValue) {
  auto route = NamedRoute("beta");
  route->headers = {{"X-Beta", "1"}, {"X-Team", "core"}};
  const Router router({route});

  http::Request both = MakeRequest("GET", "h", "/");
  both.headers.Add("x-beta", "1");  // names are case-insensitive
  both.headers.Add("X-Team", "core");
  EXPECT_EQ(MatchName(router, both), "beta");

  http::Request one = MakeRequest("GET", "h", "/");
  one.headers.Add("X-Beta", "1");
  EXPECT_EQ(MatchName(router, one), "<none>");

  http::Request wrong_value = MakeRequest("GET", "h", "/");
  wrong_value.headers.Add("X-Beta", "2");
  wrong_value.headers.Add("X-Team", "core");
  EXPECT_EQ(MatchName(router, wrong_value), "<none>");

  http::Request value_case = MakeRequest("GET", "h", "/");
  value_case.headers.Add("X-Beta", "1");
  value_case.headers.Add("X-Team", "CORE");  // values are exact
  EXPECT_EQ(MatchName(router, value_case), "<none>");
}

TEST(RouterTest, EveryConditionMustHold) {
  auto route = NamedRoute("all");
  route->host = "example.com";
  route->path_prefix = "/api/";
  route->methods = {"GET"};
  route->path_regex = MustCompile("/v[0-9]/");
  const Router router({route});
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "example.com", "/api/v1/x")), "all");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "other.com", "/api/v1/x")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("POST", "example.com", "/api/v1/x")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "example.com", "/api/x")), "<none>");
  EXPECT_EQ(MatchName(router, MakeRequest("GET", "example.com", "/v1/x")), "<none>");
}

TEST(NormalizedHostTest, LowerCaseWithoutPortOrTrailingDot) {
  EXPECT_EQ(NormalizedHost("Example.com:8080"), "example.com");
  EXPECT_EQ(NormalizedHost("EXAMPLE.COM"), "example.com");
  EXPECT_EQ(NormalizedHost("example.com."), "example.com");
  EXPECT_EQ(NormalizedHost("example.com.:80"), "example.com");
  EXPECT_EQ(NormalizedHost(""), "");
  EXPECT_EQ(NormalizedHost(":80"), "");
  EXPECT_EQ(NormalizedHost("10.0.0.1:443"), "10.0.0.1");
}

TEST(NormalizedHostTest, Ipv6LiteralKeepsBrackets) {
  EXPECT_EQ(NormalizedHost("[::1]:8080"), "[::1]");
  EXPECT_EQ(NormalizedHost("[2001:DB8::1]"), "[2001:db8::1]");
  EXPECT_EQ(NormalizedHost("[::1"), "[::1");  // unterminated: kept whole
}

TEST(RewriteTargetTest, NothingToRewriteKeepsPathAndQuery) {
  Route route;
  EXPECT_EQ(RewriteTarget(route, "/a/b", ""), "/a/b");
  EXPECT_EQ(RewriteTarget(route, "/a/b", "x=1&y=2"), "/a/b?x=1&y=2");
}

TEST(RewriteTargetTest, StripPrefixKeepsALeadingSlash) {
  Route route;
  route.path_prefix = "/api/";
  route.strip_prefix = true;
  EXPECT_EQ(RewriteTarget(route, "/api/users", ""), "/users");
  EXPECT_EQ(RewriteTarget(route, "/api/", ""), "/");
  EXPECT_EQ(RewriteTarget(route, "/api/users", "page=2"), "/users?page=2");

  route.path_prefix = "/api";
  EXPECT_EQ(RewriteTarget(route, "/api/users", ""), "/users");
  EXPECT_EQ(RewriteTarget(route, "/api", ""), "/");
  EXPECT_EQ(RewriteTarget(route, "/apiusers", ""), "/users");
}

TEST(RewriteTargetTest, StripPrefixOffKeepsThePath) {
  Route route;
  route.path_prefix = "/api/";
  EXPECT_EQ(RewriteTarget(route, "/api/users", ""), "/api/users");
}

TEST(RewriteTargetTest, RegexRewriteWithGroupReference) {
  Route route;
  route.rewrite_regex = MustCompile("^/old/(.*)$");
  route.rewrite_replacement = "/new/$1";
  EXPECT_EQ(RewriteTarget(route, "/old/a/b", ""), "/new/a/b");
  EXPECT_EQ(RewriteTarget(route, "/old/a", "q=%2F&r"), "/new/a?q=%2F&r");
  // No match: the path is forwarded unchanged.
  EXPECT_EQ(RewriteTarget(route, "/other", "q=1"), "/other?q=1");
}

TEST(RewriteTargetTest, ReplacementWithItsOwnQuery) {
  Route route;
  route.rewrite_regex = MustCompile("^/item/([0-9]+)$");
  route.rewrite_replacement = "/show?id=$1";
  EXPECT_EQ(RewriteTarget(route, "/item/7", ""), "/show?id=7");
  EXPECT_EQ(RewriteTarget(route, "/item/7", "lang=en"), "/show?id=7&lang=en");
  // A replacement ending in '?' drops the client's query.
  route.rewrite_replacement = "/show/$1?";
  EXPECT_EQ(RewriteTarget(route, "/item/7", "lang=en"), "/show/7");
  EXPECT_EQ(RewriteTarget(route, "/item/7", ""), "/show/7");
}

TEST(RewriteTargetTest, RegexResultIsRooted) {
  Route route;
  route.rewrite_regex = MustCompile("^/v1/(.*)$");
  route.rewrite_replacement = "$1";
  EXPECT_EQ(RewriteTarget(route, "/v1/users", ""), "/users");
  EXPECT_EQ(RewriteTarget(route, "/v1/", "a=b"), "/?a=b");
}

TEST(RewriteTargetTest, StripPrefixRunsBeforeTheRegex) {
  Route route;
  route.path_prefix = "/api/";
  route.strip_prefix = true;
  route.rewrite_regex = MustCompile("^/v1/(.*)");
  route.rewrite_replacement = "/internal/$1";
  EXPECT_EQ(RewriteTarget(route, "/api/v1/users", "id=3"), "/internal/users?id=3");
}

}  // namespace
}  // namespace rampart::routing
