#pragma once
// Making the routes' cache stores from the top-level `cache` section, once at start-up.

#include <memory>

#include "config/config.h"
#include "core/result.h"
#include "proxy/cache_stores.h"

namespace rampart::server {

// The memory store, and the disk store when cache.disk_path is set (its directory is created;
// an unusable one is an error naming it).
core::Result<std::unique_ptr<proxy::CacheStores>> MakeCacheStores(
    const config::CacheGlobalConfig& config);

}  // namespace rampart::server
