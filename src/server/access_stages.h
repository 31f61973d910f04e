#pragma once
// Builds the access-control stages of every route — ip_reputation, geoip, rate_limit, auth, in the
// order of docs/architecture.md — from the configuration: the IP lists and GeoIP databases are
// read once per runtime and shared by all routes; counters and bans live in the process-wide
// state::Store, which outlives runtimes.

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/stage.h"
#include "server/auth_stages.h"
#include "server/file_watch.h"
#include "stages/bot/challenger.h"

namespace rampart::state {
class Store;
}
namespace rampart::stages::ip_reputation {
struct IpLists;
}
namespace rampart::stages::geoip {
struct GeoDatabases;
}

namespace rampart::server {

// What every route's access stages share, read from files once per runtime.
struct AccessShared {
  std::shared_ptr<const stages::ip_reputation::IpLists> lists;
  std::shared_ptr<const stages::geoip::GeoDatabases> geo;  // null: no geoip section
  FileStamps watched;  // the list files, databases and auth files, stamped before they were read
};

// Reads the allow and deny lists and opens the GeoIP databases. Errors ("file:line: reason") go
// to `errors`.
AccessShared BuildAccessShared(const config::Config& config, std::vector<std::string>& errors);

// Route `index`'s access stages, in order (any of them may be absent). `auth` (BuildRouteAuth,
// built first because the route also needs its credential fields) gives the auth stage and the
// API key source of the rate limiter's api_key key part. `challenger` (may be null) is what the
// geoip and rate_limit `challenge` actions use; the bot stage itself comes after these.
std::vector<std::shared_ptr<const pipeline::StageFactory>> BuildAccessStages(
    const config::Config& config, size_t index, const AccessShared& shared,
    const std::shared_ptr<state::Store>& store, RouteAuth auth,
    const std::shared_ptr<const stages::bot::Challenger>& challenger, const std::string& block_page,
    std::vector<std::string>& errors);

}  // namespace rampart::server
