#include "acme/curl_transport.h"

#include <curl/curl.h>

#include <mutex>

#include "core/strings.h"

namespace rampart::acme {
namespace {

constexpr long kConnectTimeoutS = 15;
constexpr long kTransferTimeoutS = 60;
constexpr size_t kMaxBodyBytes = 1 << 20;  // a certificate chain or an order is a few KiB

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  const size_t n = size * count;
  if (body->size() + n > kMaxBodyBytes) return 0;  // curl fails the transfer (CURLE_WRITE_ERROR)
  body->append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(user);
  std::string_view line(data, size * count);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    (*headers)[core::ToLower(core::TrimOws(line.substr(0, colon)))] =
        std::string(core::TrimOws(line.substr(colon + 1)));
  } else if (core::StartsWith(line, "HTTP/")) {
    headers->clear();  // a new response (after a 100 Continue): forget the previous one's fields
  }
  return size * count;
}

int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* cancelled = static_cast<const std::function<bool()>*>(user);
  return (*cancelled && (*cancelled)()) ? 1 : 0;  // non-zero aborts with CURLE_ABORTED_BY_CALLBACK
}

}  // namespace

CurlTransport::CurlTransport(std::string ca_file, std::function<bool()> cancelled)
    : ca_file_(std::move(ca_file)), cancelled_(std::move(cancelled)) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

CurlTransport::~CurlTransport() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

core::Result<HttpResponse> CurlTransport::Get(const std::string& url) {
  return Perform(Method::kGet, url, nullptr);
}

core::Result<HttpResponse> CurlTransport::Head(const std::string& url) {
  return Perform(Method::kHead, url, nullptr);
}

core::Result<HttpResponse> CurlTransport::Post(const std::string& url, const std::string& body) {
  return Perform(Method::kPost, url, &body);
}

core::Result<HttpResponse> CurlTransport::Perform(Method method, const std::string& url,
                                                  const std::string* body) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return core::MakeError("acme: libcurl could not be initialised");
  curl_easy_reset(curl);  // keeps the connection cache, forgets the previous request's options
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {};
  curl_slist* fields = nullptr;
  fields = curl_slist_append(fields, "Content-Type: application/jose+json");
  fields = curl_slist_append(fields, "Accept: application/pem-certificate-chain, application/json");

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutS);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, kTransferTimeoutS);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "rampart-acme");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &cancelled_);
  if (!ca_file_.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file_.c_str());
  if (method == Method::kHead) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  if (method == Method::kPost) {
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, fields);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
  }

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(fields);
  if (code != CURLE_OK) {
    return core::MakeError("acme: " + url + ": " +
                           (error[0] != '\0' ? std::string(error) : curl_easy_strerror(code)));
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace rampart::acme
