#include "server/cache_setup.h"

namespace rampart::server {

core::Result<std::unique_ptr<proxy::CacheStores>> MakeCacheStores(
    const config::CacheGlobalConfig& config) {
  auto stores = std::make_unique<proxy::CacheStores>();
  stores->memory = std::make_unique<cache::MemoryStore>(config.memory_size);
  stores->targeted_fields = config.targeted_fields;
  if (!config.disk_path.empty()) {
    auto disk = cache::DiskStore::Open(config.disk_path, config.disk_size);
    if (!disk.ok()) return core::Error{disk.error().message};
    stores->disk = std::move(disk).value();
    stores->disk_writer = std::make_unique<core::WorkPool>(1);
  }
  return stores;
}

}  // namespace rampart::server
