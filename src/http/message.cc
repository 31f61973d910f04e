#include "http/message.h"

namespace rampart::http {

std::string_view VersionName(Version version) {
  switch (version) {
    case Version::kHttp10:
      return "HTTP/1.0";
    case Version::kHttp11:
      return "HTTP/1.1";
    case Version::kHttp2:
      return "HTTP/2.0";
  }
  return "HTTP/1.1";
}

namespace {

// The "path[?query]" part of a request-target: the target itself in origin-form, what follows
// the authority in absolute-form ("http://h/p?q" -> "/p?q", "http://h?q" -> "?q"), and empty for
// "*" or a target of any other form (the parser refuses those).
std::string_view PathAndQuery(std::string_view target) {
  if (!target.empty() && target.front() == '/') return target;
  const size_t scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const size_t path_start = target.find_first_of("/?", scheme_end + 3);
  if (path_start == std::string_view::npos) return {};
  return target.substr(path_start);
}

}  // namespace

std::string_view Request::path() const {
  std::string_view path = PathAndQuery(target);
  path = path.substr(0, path.find('?'));
  // "*" and "http://host" address the whole server; routing treats them as the root.
  if (path.empty()) return "/";
  return path;
}

std::string_view Request::query() const {
  const std::string_view pq = PathAndQuery(target);
  const size_t mark = pq.find('?');
  if (mark == std::string_view::npos) return {};
  return pq.substr(mark + 1);
}

}  // namespace rampart::http
