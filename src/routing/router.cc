#include "routing/router.h"

#include "core/strings.h"

namespace rampart::routing {

namespace {

bool HostMatches(const Route& route, const std::string& host) {
  if (route.host.empty()) return true;
  if (!route.host_wildcard) return host == route.host;
  // "*.example.com" matches "a.example.com" and "a.b.example.com", not "example.com".
  return host.size() > route.host.size() &&
         host.compare(host.size() - route.host.size(), route.host.size(), route.host) == 0;
}

bool HeadersMatch(const Route& route, const http::Request& request) {
  for (const auto& [name, value] : route.headers) {
    const std::string* got = request.headers.Get(name);
    if (got == nullptr || *got != value) return false;
  }
  return true;
}

bool MethodMatches(const Route& route, const std::string& method) {
  if (route.methods.empty()) return true;
  for (const auto& m : route.methods) {
    if (m == method) return true;
  }
  return false;
}

}  // namespace

std::string NormalizedHost(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    return core::ToLower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  const size_t colon = authority.find(':');
  std::string host = core::ToLower(authority.substr(0, colon));
  if (!host.empty() && host.back() == '.') host.pop_back();  // "example.com." is example.com
  return host;
}

const Route* Router::Match(const http::Request& request, std::string_view path) const {
  const std::string host = NormalizedHost(request.host);
  for (const auto& route : routes_) {
    if (!HostMatches(*route, host)) continue;
    if (!route->exact_path.empty() && path != route->exact_path) continue;
    if (!route->path_prefix.empty() && !core::StartsWith(path, route->path_prefix)) continue;
    if (!MethodMatches(*route, request.method)) continue;
    if (!HeadersMatch(*route, request)) continue;
    if (route->path_regex && !route->path_regex->Matches(path)) continue;
    return route.get();
  }
  return nullptr;
}

std::string RewriteTarget(const Route& route, std::string_view path, std::string_view query) {
  std::string new_path(path);
  if (route.strip_prefix && !route.path_prefix.empty() &&
      core::StartsWith(new_path, route.path_prefix)) {
    new_path.erase(0, route.path_prefix.size());
    // Keep a rooted path: "/api/" stripped from "/api/users" leaves "users" -> "/users".
    if (new_path.empty() || new_path.front() != '/') new_path.insert(new_path.begin(), '/');
  }
  if (route.rewrite_regex) {
    std::string rewritten;
    if (route.rewrite_regex->Substitute(new_path, route.rewrite_replacement, &rewritten)) {
      new_path = std::move(rewritten);
      if (new_path.empty() || new_path.front() != '/') new_path.insert(new_path.begin(), '/');
    }
  }
  // A replacement may bring a query of its own, as nginx's rewrite may: the client's query is
  // then appended with '&', and a replacement ending in '?' drops the client's query.
  const size_t own_query = new_path.find('?');
  if (own_query == new_path.size() - 1) {
    new_path.pop_back();
  } else if (!query.empty()) {
    new_path += own_query == std::string::npos ? '?' : '&';
    new_path.append(query);
  }
  return new_path;
}

}  // namespace rampart::routing
