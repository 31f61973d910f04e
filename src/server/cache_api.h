#pragma once
// The admin API's cache endpoint: POST /api/cache/purge?url=URL removes one URL's stored
// responses (every Vary variant), ?prefix=URL every URL that starts with it — from memory and
// from disk.

#include <string_view>
#include <vector>

#include "proxy/cache_stores.h"
#include "server/admin_access.h"

namespace rampart::server {

// `segments`: the decoded path ("api", "cache", "purge"); `query`: the raw query string.
// `stores` may be null (no route has a cache: nothing to purge, still 200).
ApiReply HandleCacheApi(std::string_view method, const std::vector<std::string>& segments,
                        std::string_view query, proxy::CacheStores* stores);

}  // namespace rampart::server
