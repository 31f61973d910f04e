#include "server/cache_api.h"

#include <fmt/format.h>

#include <future>
#include <optional>
#include <string>

#include "core/strings.h"
#include "server/query_params.h"

namespace rampart::server {

namespace {

// "HTTP://Example.COM/a?b" -> "http://example.com/a?b": keys hold the scheme and host in lower
// case. nullopt unless the URL is absolute http(s) with a path.
std::optional<std::string> KeyOf(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  std::string key = core::ToLower(url.substr(0, scheme_end));
  if (key != "http" && key != "https") return std::nullopt;
  const size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string_view::npos || path_start == scheme_end + 3) return std::nullopt;
  key += core::ToLower(url.substr(scheme_end, path_start - scheme_end));
  key.append(url.substr(path_start));
  return key;
}

}  // namespace

ApiReply HandleCacheApi(std::string_view method, const std::vector<std::string>& segments,
                        std::string_view query, proxy::CacheStores* stores) {
  if (segments.size() != 3 || segments[2] != "purge") {
    return {404, ApiErrorJson("no such API endpoint")};
  }
  if (method != "POST") return {405, ApiErrorJson("method not allowed; allowed: POST")};
  const QueryParams params(query);
  const auto url = params.Get("url");
  const auto prefix = params.Get("prefix");
  if (url.has_value() == prefix.has_value()) {
    return {400, ApiErrorJson("give exactly one of url= or prefix= (an absolute http(s) URL)")};
  }
  const std::optional<std::string> key = KeyOf(url ? *url : *prefix);
  if (!key)
    return {400, ApiErrorJson("expected an absolute http(s) URL such as http://example.com/a")};
  const bool exact = url.has_value();
  auto matches = [&](std::string_view candidate) {
    if (!candidate.starts_with(*key)) return false;
    // An exact URL also takes what is stored beneath it (routes, pools, Vary variants), and
    // nothing longer.
    return !exact || proxy::IsKeyOrBeneath(candidate, *key);
  };
  size_t memory = 0;
  size_t disk = 0;
  if (stores != nullptr) {
    stores->invalidations.fetch_add(1, std::memory_order_acq_rel);
    memory = stores->memory->RemoveIf(matches);
    if (stores->disk != nullptr) {
      // Behind the writes already queued, so none of them brings a purged response back.
      std::promise<size_t> removed;
      std::future<size_t> done = removed.get_future();
      stores->disk_writer->Post([&] { removed.set_value(stores->disk->RemoveIf(matches)); });
      disk = done.get();
    }
  }
  return {200, fmt::format("{{\"purged\":{{\"memory\":{},\"disk\":{}}}}}", memory, disk)};
}

}  // namespace rampart::server
