#include "proxy/cache_exchange.h"

#include <algorithm>

#include "cache/cache_status.h"
#include "cache/header_update.h"
#include "cache/variant_key.h"
#include "core/strings.h"

namespace rampart::proxy {

namespace {

// Fields of a response that belong to one transfer, never to what is stored.
// The rate_limit stage's fields describe the client that filled the cache, not the next one.
constexpr std::string_view kNotStoredFields[] = {
    "Connection",      "Keep-Alive",       "Transfer-Encoding", "Content-Length",
    "X-Request-Id",    "Cache-Status",     "RateLimit-Limit",   "RateLimit-Remaining",
    "RateLimit-Reset", "RateLimit-Policy", "Retry-After"};

// Request fields a fill must not pass on: the cache asks for the whole current response.
constexpr std::string_view kClientValidators[] = {
    "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"};

bool IsErrorStatus(int status) {
  return status == 500 || status == 502 || status == 503 || status == 504;
}

// Removes everything stored for `url` — every route's and pool's entry, every variant, old
// variants a later response without Vary left behind — when this route's `key` for it is
// stored, or always on a split route (another target may hold it). The store is walked only
// then: an unsafe request for a URL nobody cached (a flood of POSTs) costs one lookup.
template <typename Store>
void RemoveUrl(Store& store, const std::string& key, const std::string& url, bool always) {
  if (!always && store.Get(key) == nullptr) return;
  store.RemoveIf([&url](std::string_view k) { return IsKeyOrBeneath(k, url); });
}

// Accept-Encoding as the set of codings it accepts ("br,gzip,zstd"; "identity" for none): what
// a backend's choice, and this route's, depend on — not the order or spelling of the list.
std::string AcceptedCodingsKey(std::string_view value) {
  std::vector<std::string> codings;
  http::ForEachListToken(value, [&](std::string_view element) {
    std::string_view coding = element.substr(0, element.find(';'));
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
      coding.remove_suffix(1);
    const size_t q = element.find("q=");
    if (q != std::string_view::npos && element.find(';') < q) {
      const std::string_view weight = element.substr(q + 2);
      if (weight.starts_with("0") && weight.find_first_not_of("0.", 0) == std::string_view::npos) {
        return;  // q=0: refused
      }
    }
    std::string name = core::ToLower(coding);
    if (name == "x-gzip") name = "gzip";
    if (!name.empty()) codings.push_back(std::move(name));
  });
  std::sort(codings.begin(), codings.end());
  codings.erase(std::unique(codings.begin(), codings.end()), codings.end());
  if (codings.empty()) return "identity";
  std::string key;
  for (const std::string& coding : codings) key += (key.empty() ? "" : ",") + coding;
  return key;
}

}  // namespace

CacheExchange::CacheExchange(const config::RouteCacheConfig& config, CacheStores& stores,
                             std::vector<compress::Encoding> offered_encodings,
                             bool authenticated_route)
    : config_(config),
      stores_(stores),
      offered_(std::move(offered_encodings)),
      authenticated_route_(authenticated_route) {}

CacheExchange::~CacheExchange() { Release(); }

std::string CacheExchange::KeyFor(bool tls, const http::Request& req, std::string_view path) {
  std::string key = tls ? "https://" : "http://";
  key += core::ToLower(req.host);
  key.append(path);
  if (!req.query().empty()) {
    key += '?';
    key.append(req.query());
  }
  return key;
}

cache::StoreRules CacheExchange::Rules() const {
  cache::StoreRules rules;
  rules.allow_authorization = config_.allow_authorization;
  rules.allow_set_cookie = config_.allow_set_cookie;
  rules.authenticated_route = authenticated_route_;
  if (config_.ttl_s) rules.default_ttl = static_cast<int64_t>(*config_.ttl_s);
  return rules;
}

cache::CacheControl CacheExchange::ResponseControl(const http::HeaderMap& headers) const {
  return cache::ResponseCacheControl(headers, stores_.targeted_fields);
}

std::string CacheExchange::VariantFor(const std::vector<std::string>& vary,
                                      const http::HeaderMap& request_headers,
                                      const std::vector<compress::Encoding>& offered) {
  return cache::VariantKey(vary, request_headers,
                           [&offered](std::string_view name, std::string_view value) {
                             // With compression, Accept-Encoding varies by the set of codings
                             // accepted, not by how each browser spells its list.
                             if (name == "accept-encoding" && !offered.empty()) {
                               return AcceptedCodingsKey(value);
                             }
                             return std::string(value);
                           });
}

std::string CacheExchange::VariantOf(const std::vector<std::string>& vary) const {
  return VariantFor(vary, request_->headers, offered_);
}

std::shared_ptr<const cache::StoredResponse> CacheExchange::FindVariant(
    const std::shared_ptr<const cache::StoredResponse>& found) const {
  if (found == nullptr || found->vary.empty()) return found;
  // A Vary marker: the responses live under the key of each variant.
  return stores_.memory->Get(key_ + kCacheKeySeparator + VariantOf(found->vary));
}

CacheExchange::Lookup CacheExchange::Begin(const http::Request& req, std::string url,
                                           std::string_view partition, int64_t now, bool has_body,
                                           std::function<void()> wake) {
  request_ = &req;
  url_ = std::move(url);
  // Routes and pools keep their own responses for one URL (a header-matched route, a split).
  key_ = url_ + kCacheKeySeparator + '@' + std::string(partition);
  wake_ = std::move(wake);
  for (std::string_view name : kClientValidators) {
    for (const http::Header& field : req.headers) {
      if (core::EqualsIgnoreCase(field.name, name))
        client_conditionals_.Add(field.name, field.value);
    }
  }
  is_head_ = req.method == "HEAD";
  if (req.method != "GET" && !is_head_) {
    log_result_ = "bypass";
    fwd_ = "method";
    return Lookup::kPass;
  }
  request_cc_ = cache::ParseCacheControl(req.headers);
  if (has_body || request_cc_.no_store) {
    log_result_ = "bypass";
    fwd_ = "request";
    return Lookup::kPass;
  }
  const auto found = stores_.memory->Get(key_);
  stored_ = FindVariant(found);
  if (found == nullptr && stores_.disk != nullptr) return Lookup::kReadDisk;
  return Decide(now);
}

std::shared_ptr<CacheExchange::DiskLookup> CacheExchange::MakeDiskLookup() const {
  auto lookup = std::make_shared<DiskLookup>();
  lookup->disk = stores_.disk.get();
  lookup->key = key_;
  lookup->request_headers = request_->headers;
  lookup->offered = offered_;
  lookup->invalidations = stores_.invalidations.load(std::memory_order_acquire);
  return lookup;
}

void CacheExchange::DiskLookup::Run() {
  found = disk->Get(key);
  if (found != nullptr && !found->vary.empty()) {
    marker = std::move(found);
    found =
        disk->Get(key + kCacheKeySeparator + VariantFor(marker->vary, request_headers, offered));
  }
}

CacheExchange::Lookup CacheExchange::Continue(int64_t now, const DiskLookup& done) {
  // An invalidation or purge since the read began may have removed what it found.
  const bool still_valid =
      stores_.invalidations.load(std::memory_order_acquire) == done.invalidations;
  if (done.found != nullptr && still_valid) {
    // Back into memory, where the next request finds it without a disk read.
    if (done.marker != nullptr) {
      stores_.memory->Put(key_, done.marker);
      stores_.memory->Put(key_ + kCacheKeySeparator + done.found->variant, done.found);
    } else {
      stores_.memory->Put(key_, done.found);
    }
    stored_ = done.found;
  }
  return Decide(now);
}

CacheExchange::Lookup CacheExchange::Decide(int64_t now) {
  if (stored_ != nullptr) {
    const cache::CacheControl response_cc = ResponseControl(stored_->headers);
    const cache::Freshness freshness = cache::Evaluate(*stored_, response_cc, Rules(), now);
    switch (cache::Decide(freshness, request_cc_, request_->headers, response_cc)) {
      case cache::Use::kFresh:
        serving_stale_ = !freshness.fresh;  // max-stale allowed it
        log_result_ = serving_stale_ ? "stale" : "hit";
        return Lookup::kServe;
      case cache::Use::kStaleWhileRevalidate:
        serving_stale_ = true;
        log_result_ = "stale";
        // One refresh per key at a time; HEAD never leads one (it would fetch no body).
        if (is_head_ || !stores_.collapser.Join(key_, nullptr)) return Lookup::kServe;
        leader_ = true;
        refreshing_ = true;
        filling_ = true;
        revalidating_ = HasValidators();
        return Lookup::kServeAndRefresh;
      case cache::Use::kRevalidate:
        break;
    }
  }
  if (request_cc_.only_if_cached) {
    log_result_ = "miss";
    return Lookup::kGatewayTimeout;
  }
  if (is_head_) {  // a HEAD miss goes on as HEAD and fills nothing
    log_result_ = "miss";
    fwd_ = "method";
    return Lookup::kPass;
  }
  if (!collapsed_ && !stores_.collapser.Join(key_, wake_)) {
    collapsed_ = true;
    return Lookup::kWait;
  }
  leader_ = !collapsed_;
  filling_ = true;
  revalidating_ = HasValidators();
  fwd_ = stored_ != nullptr ? "stale" : "uri-miss";
  log_result_ = "miss";
  return Lookup::kFetch;
}

bool CacheExchange::HasValidators() const {
  return stored_ != nullptr && (stored_->headers.Get("ETag") != nullptr ||
                                stored_->headers.Get("Last-Modified") != nullptr);
}

CacheExchange::Lookup CacheExchange::Retry(int64_t now) {
  // The leader's fill is over (or took too long): what it stored may answer. Otherwise this
  // exchange fetches on its own (collapsed_ keeps it from waiting twice).
  stored_ = FindVariant(stores_.memory->Get(key_));
  if (stored_ != nullptr) {
    const cache::CacheControl response_cc = ResponseControl(stored_->headers);
    const cache::Freshness freshness = cache::Evaluate(*stored_, response_cc, Rules(), now);
    if (cache::Decide(freshness, request_cc_, request_->headers, response_cc) ==
        cache::Use::kFresh) {
      serving_stale_ = !freshness.fresh;
      log_result_ = serving_stale_ ? "stale" : "hit";
      return Lookup::kServe;
    }
  }
  return Decide(now);
}

void CacheExchange::PrepareUpstreamRequest(http::HeaderMap& headers) const {
  if (!filling_) return;
  for (std::string_view name : kClientValidators) headers.Remove(name);
  if (!revalidating_) return;
  if (const std::string* etag = stored_->headers.Get("ETag")) headers.Set("If-None-Match", *etag);
  if (const std::string* modified = stored_->headers.Get("Last-Modified")) {
    headers.Set("If-Modified-Since", *modified);
  }
}

CacheExchange::OnHead CacheExchange::OnResponseHead(const http::Response& resp, int64_t now) {
  fwd_status_ = resp.status;
  if (IsErrorStatus(resp.status) && ServeStaleOnError(now)) return OnHead::kServeStored;
  if (!filling_) return OnHead::kPass;
  if (resp.status == 304 && revalidating_) {
    // RFC 9111 §4.3.4: the stored response, with the 304's fields, is fresh again.
    auto updated = std::make_shared<cache::StoredResponse>(*stored_);
    const bool varied_on_encoding = updated->headers.HasToken("Vary", "Accept-Encoding");
    const std::string* old_etag = updated->headers.Get("ETag");
    const std::string weak_etag =
        old_etag != nullptr && old_etag->starts_with("W/") ? *old_etag : "";
    cache::UpdateStoredHeaders(updated->headers, resp.headers);
    // The backend's 304 speaks of its own representation; the stored one may be rampart's
    // encoding of it, whose weak ETag and Vary: Accept-Encoding must stay.
    if (varied_on_encoding && !updated->headers.HasToken("Vary", "Accept-Encoding")) {
      updated->headers.Add("Vary", "Accept-Encoding");
    }
    if (const std::string* etag = updated->headers.Get("ETag");
        !weak_etag.empty() && etag != nullptr && "W/" + *etag == weak_etag) {
      updated->headers.Set("ETag", weak_etag);
    }
    updated->request_time = now;
    updated->response_time = now;
    Store(updated);
    stored_ = std::move(updated);
    serving_stale_ = false;
    stored_now_ = true;
    if (!refreshing_) log_result_ = "revalidated";
    return OnHead::kServeStored;
  }
  const cache::CacheControl response_cc = ResponseControl(resp.headers);
  const cache::NotStorable why = cache::CheckStorable(
      "GET", resp.status, request_->headers, request_cc_, resp.headers, response_cc, Rules());
  const bool too_large = resp.framing == http::BodyFraming::kContentLength &&
                         resp.content_length > config_.max_object_size;
  if (why != cache::NotStorable::kNone || too_large) {
    Release();  // nothing will be stored: the waiting requests fetch for themselves now
    return OnHead::kPass;
  }
  pending_ = std::make_unique<cache::StoredResponse>();
  pending_->status = resp.status;
  pending_->reason = resp.reason;
  pending_->headers = resp.headers;
  for (std::string_view name : kNotStoredFields) pending_->headers.Remove(name);
  pending_->request_time = now;
  pending_->response_time = now;
  pending_->vary = cache::VaryFields(pending_->headers);
  pending_->variant = VariantOf(pending_->vary);
  capturing_ = true;
  return OnHead::kCapture;
}

void CacheExchange::Append(std::string_view bytes) {
  if (!capturing_) return;
  if (pending_->body.size() + bytes.size() > config_.max_object_size) {
    capturing_ = false;  // too large after all: sent, not stored
    pending_.reset();
    Release();
    return;
  }
  pending_->body.append(bytes);
}

void CacheExchange::Complete(int64_t /*now*/) {
  if (capturing_ && pending_ != nullptr) {
    Store(std::shared_ptr<const cache::StoredResponse>(std::move(pending_)));
    stored_now_ = true;
  }
  capturing_ = false;
  Release();
}

void CacheExchange::Store(std::shared_ptr<const cache::StoredResponse> response) {
  std::vector<std::pair<std::string, std::shared_ptr<const cache::StoredResponse>>> entries;
  if (response->vary.empty()) {
    entries.emplace_back(key_, response);
  } else {
    auto marker = std::make_shared<cache::StoredResponse>();
    marker->status = 0;
    marker->vary = response->vary;
    entries.emplace_back(key_, std::move(marker));
    entries.emplace_back(key_ + kCacheKeySeparator + response->variant, response);
  }
  for (const auto& [key, value] : entries) stores_.memory->Put(key, value);
  if (stores_.disk != nullptr && stores_.disk_writer != nullptr) {
    cache::DiskStore* disk = stores_.disk.get();
    stores_.disk_writer->Post([disk, entries = std::move(entries)] {
      for (const auto& [key, value] : entries) disk->Put(key, *value);
    });
  }
}

bool CacheExchange::ServeStaleOnError(int64_t now) {
  if (stored_ == nullptr || refreshing_) return false;
  const cache::CacheControl response_cc = ResponseControl(stored_->headers);
  const cache::Freshness freshness = cache::Evaluate(*stored_, response_cc, Rules(), now);
  if (!cache::MayServeStaleOnError(freshness, request_cc_, response_cc)) return false;
  serving_stale_ = true;
  log_result_ = "stale";
  return true;
}

void CacheExchange::InvalidateAfterUnsafe(const http::Response& resp) {
  if (resp.status < 200 || resp.status >= 400) return;
  std::vector<std::string> urls = {url_};
  // The origin part of the URL ("http://host"): Location and Content-Location count only when
  // they name the same origin (RFC 9111 §4.4), relative or absolute.
  const size_t origin_end = url_.find('/', url_.find("://") + 3);
  const std::string_view origin = std::string_view(url_).substr(0, origin_end);
  for (std::string_view name : {"Location", "Content-Location"}) {
    const std::string* value = resp.headers.Get(name);
    if (value == nullptr || value->empty()) continue;
    if (value->front() == '/' && !value->starts_with("//")) {
      urls.push_back(std::string(origin) + *value);
    } else if (value->size() > origin.size() &&
               core::EqualsIgnoreCase(std::string_view(*value).substr(0, origin.size()), origin) &&
               (*value)[origin.size()] == '/') {
      urls.push_back(std::string(origin) + value->substr(origin.size()));
    }
  }
  stores_.invalidations.fetch_add(1, std::memory_order_acq_rel);
  const std::string partition = key_.substr(url_.size());
  for (const std::string& url : urls) {
    const std::string key = url + partition;
    RemoveUrl(*stores_.memory, key, url, split_route_);
    if (stores_.disk != nullptr && stores_.disk_writer != nullptr) {
      cache::DiskStore* disk = stores_.disk.get();
      stores_.disk_writer->Post(
          [disk, key, url, always = split_route_] { RemoveUrl(*disk, key, url, always); });
    }
  }
}

void CacheExchange::Release() {
  if (!leader_) return;
  leader_ = false;
  stores_.collapser.Finish(key_);
}

int64_t CacheExchange::Age(int64_t now) const {
  return stored_ == nullptr ? 0 : cache::CurrentAge(*stored_, now);
}

std::string CacheExchange::CacheStatus(int64_t now) const {
  if (!config_.cache_status) return {};
  cache::CacheStatusInfo info;
  const bool answered_from_store = log_result_ == "hit" || log_result_ == "stale";
  info.hit = answered_from_store;
  if (!answered_from_store) {
    info.fwd = fwd_.empty() ? std::string_view("uri-miss") : fwd_;
    if (fwd_status_ != 0) info.fwd_status = fwd_status_;
  }
  info.stored = stored_now_ || capturing_;
  info.collapsed = collapsed_ && answered_from_store;
  if (stored_ != nullptr && (answered_from_store || log_result_ == "revalidated")) {
    const cache::CacheControl response_cc = ResponseControl(stored_->headers);
    const cache::Freshness freshness = cache::Evaluate(*stored_, response_cc, Rules(), now);
    info.ttl = freshness.lifetime - freshness.age;
  }
  if (serving_stale_ && refreshing_) info.detail = "stale-while-revalidate";
  if (serving_stale_ && !refreshing_ && log_result_ == "stale" && fwd_status_ >= 500) {
    info.detail = "stale-if-error";
  }
  return cache::FormatCacheStatus(info);
}

}  // namespace rampart::proxy
