#pragma once
// Router: the ordered routing table; the first route whose conditions all hold wins.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "routing/route.h"

namespace rampart::routing {

class Router {
 public:
  explicit Router(std::vector<std::shared_ptr<const Route>> routes) : routes_(std::move(routes)) {}

  // The first matching route for `request` whose normalised path (NormalizePath) is `path`,
  // or nullptr (the proxy answers 404).
  const Route* Match(const http::Request& request, std::string_view path) const;
  const std::vector<std::shared_ptr<const Route>>& routes() const { return routes_; }

 private:
  std::vector<std::shared_ptr<const Route>> routes_;
};

// The request's host in lower case without the port ("Example.com:8080" -> "example.com").
std::string NormalizedHost(std::string_view authority);

// Builds the target a route forwards from the normalised `path`: strip_prefix, then the regex
// rewrite (a result that is not rooted gets a leading '/'); the query string is kept as sent.
std::string RewriteTarget(const Route& route, std::string_view path, std::string_view query);

}  // namespace rampart::routing
