#pragma once
// CurlTransport: HttpTransport over libcurl, HTTPS only (RFC 8555 section 6.1), the only file
// that includes <curl/curl.h>. One easy handle reused for every request (keep-alive to the CA);
// used by one thread at a time (the ACME thread).

#include <functional>
#include <string>

#include "acme/http_transport.h"

namespace rampart::acme {

class CurlTransport final : public HttpTransport {
 public:
  // `ca_file`: a PEM bundle trusted instead of the system's; empty: the system's.
  // `cancelled`: polled during transfers; when it returns true the transfer is aborted (so that
  // CertificateManager::Stop returns promptly).
  CurlTransport(std::string ca_file, std::function<bool()> cancelled);
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  core::Result<HttpResponse> Get(const std::string& url) override;
  core::Result<HttpResponse> Head(const std::string& url) override;
  core::Result<HttpResponse> Post(const std::string& url, const std::string& body) override;

 private:
  enum class Method { kGet, kHead, kPost };
  core::Result<HttpResponse> Perform(Method method, const std::string& url,
                                     const std::string* body);

  std::string ca_file_;
  std::function<bool()> cancelled_;
  void* curl_ = nullptr;  // CURL*
};

}  // namespace rampart::acme
