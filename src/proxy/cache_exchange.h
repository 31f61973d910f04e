#pragma once
// CacheExchange: one exchange's dealings with its route's RFC 9111 cache — the lookup (with Vary
// variants and request collapsing), the conditional request that revalidates a stale response,
// the decision to store the backend's response, the capture of its body, stale-if-error, and
// invalidation after unsafe methods. The Session drives it (session_cache.cc); this class holds
// the decisions so that they can be read in one place.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cache/cache_control.h"
#include "cache/freshness.h"
#include "cache/stored_response.h"
#include "compress/encoding.h"
#include "config/config.h"
#include "http/message.h"
#include "proxy/cache_stores.h"

namespace rampart::proxy {

class CacheExchange {
 public:
  enum class Lookup : uint8_t {
    kServe,            // a stored response answers (fresh, or allowed stale)
    kServeAndRefresh,  // serve it (stale-while-revalidate), then refresh it from the backend
    kFetch,            // go to the backend and fill the cache (a miss or a revalidation)
    kWait,             // another exchange is filling this key: wait for it (collapsing)
    kReadDisk,         // look in the disk store first (blocking: on the offload pool)
    kPass,             // not for the cache: go to the backend, store nothing
    kGatewayTimeout,   // only-if-cached and nothing usable is stored: 504
  };
  enum class OnHead : uint8_t {
    kPass,         // send the backend's response as it is, store nothing
    kCapture,      // send it and store it (Append the body, then Complete)
    kServeStored,  // a 304 refreshed the stored response, or a backend error gets stale-if-error:
                   // answer with stored() instead
  };

  // `authenticated_route`: the route has an `auth` stage (its responses are treated as answers
  // to requests with Authorization).
  CacheExchange(const config::RouteCacheConfig& config, CacheStores& stores,
                std::vector<compress::Encoding> offered_encodings, bool authenticated_route);
  ~CacheExchange();  // Release()s

  CacheExchange(const CacheExchange&) = delete;
  CacheExchange& operator=(const CacheExchange&) = delete;

  // The URL a response is stored for: scheme, host (lower case), normalised path and query.
  static std::string KeyFor(bool tls, const http::Request& req, std::string_view path);

  // First look for `req`. The key is `url` within `partition` (the route and the pool: each
  // keeps its own responses). `wake` is how a collapsed follower is woken (thread-safe, cheap).
  Lookup Begin(const http::Request& req, std::string url, std::string_view partition, int64_t now,
               bool has_body, std::function<void()> wake);
  // After kReadDisk: the blocking disk read runs on the offload pool with copies of what it
  // needs (the exchange may end meanwhile), then Continue on the worker.
  struct DiskLookup {
    cache::DiskStore* disk = nullptr;
    std::string key;
    http::HeaderMap request_headers;
    std::vector<compress::Encoding> offered;
    std::shared_ptr<const cache::StoredResponse> marker;  // found's Vary marker, if any
    std::shared_ptr<const cache::StoredResponse> found;
    uint64_t invalidations = 0;  // CacheStores::invalidations when the lookup began
    void Run();
  };
  std::shared_ptr<DiskLookup> MakeDiskLookup() const;
  Lookup Continue(int64_t now, const DiskLookup& done);
  // A follower woken (or timed out): look again; a second miss fetches without collapsing.
  Lookup Retry(int64_t now);

  // The route splits its requests among pools: an invalidation cannot tell from this pool's
  // key whether another target stored the URL.
  void set_split_route(bool split) { split_route_ = split; }

  // The upstream request of a fill: the client's own validators and Range go (the cache wants
  // the whole response), and the stored response's validators come in to revalidate it.
  void PrepareUpstreamRequest(http::HeaderMap& headers) const;

  // The backend's response head, after the response stages and compression.
  OnHead OnResponseHead(const http::Response& resp, int64_t now);
  // Body bytes as sent to the client (encoded when compressed), while capturing.
  void Append(std::string_view bytes);
  // The response was complete: store it. A cut response is never stored.
  void Complete(int64_t now);
  // Whether a backend failure may be answered with the stale stored response (stale-if-error).
  bool ServeStaleOnError(int64_t now);
  // After a response to an unsafe method (POST, PUT, DELETE...): drop the stored responses for
  // the target and for same-origin Location / Content-Location (RFC 9111 §4.4).
  void InvalidateAfterUnsafe(const http::Response& resp);

  // The fill is over (stored or not): followers go on. Idempotent.
  void Release();

  const std::shared_ptr<const cache::StoredResponse>& stored() const { return stored_; }
  // The client's own conditional fields, as it sent them (a fill's upstream request loses them
  // and gets the stored validators instead): what an answer from the store is checked against.
  const http::HeaderMap& client_conditionals() const { return client_conditionals_; }
  // For a stored() answer: its current age in seconds.
  int64_t Age(int64_t now) const;
  bool serving_stale() const { return serving_stale_; }
  bool refreshing() const { return refreshing_; }
  bool capturing() const { return capturing_; }
  // The access log's "cache" field.
  std::string_view log_result() const { return log_result_; }
  // The Cache-Status value (RFC 9211), or empty when the route does not ask for it.
  std::string CacheStatus(int64_t now) const;

 private:
  Lookup Decide(int64_t now);
  bool HasValidators() const;
  std::shared_ptr<const cache::StoredResponse> FindVariant(
      const std::shared_ptr<const cache::StoredResponse>& found) const;
  std::string VariantOf(const std::vector<std::string>& vary) const;
  static std::string VariantFor(const std::vector<std::string>& vary,
                                const http::HeaderMap& request_headers,
                                const std::vector<compress::Encoding>& offered);
  void Store(std::shared_ptr<const cache::StoredResponse> response);
  cache::StoreRules Rules() const;
  cache::CacheControl ResponseControl(const http::HeaderMap& headers) const;

  const config::RouteCacheConfig& config_;
  CacheStores& stores_;
  std::vector<compress::Encoding> offered_;
  bool authenticated_route_ = false;
  bool split_route_ = false;
  const http::Request* request_ = nullptr;
  std::string url_;
  std::string key_;  // url_, '\x1f', '@', the partition
  std::function<void()> wake_;
  http::HeaderMap client_conditionals_;
  cache::CacheControl request_cc_;
  bool is_head_ = false;
  bool leader_ = false;         // this exchange fills key_: Release() wakes the others
  bool refreshing_ = false;     // a stale-while-revalidate refresh (the client has its answer)
  bool serving_stale_ = false;  // stored() is served stale
  bool capturing_ = false;      // the response is being captured for storing
  bool filling_ = false;        // the backend's response may be stored
  bool revalidating_ = false;   // the fill is a conditional request for stored_
  bool collapsed_ = false;      // this exchange waited for another's fill
  std::shared_ptr<const cache::StoredResponse> stored_;  // the usable stored response, if any
  std::unique_ptr<cache::StoredResponse> pending_;       // what is being captured
  std::string_view log_result_ = "miss";
  std::string_view fwd_;  // Cache-Status fwd=
  int fwd_status_ = 0;
  bool stored_now_ = false;
};

}  // namespace rampart::proxy
