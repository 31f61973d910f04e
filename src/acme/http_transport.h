#pragma once
// HttpTransport: the three HTTP exchanges the ACME client makes (GET the directory, HEAD
// newNonce, POST a JWS). An interface so that the protocol logic can be tested against scripted
// responses; CurlTransport is the real one.

#include <map>
#include <string>

#include "core/result.h"

namespace rampart::acme {

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-case; a repeated field keeps the last
  std::string body;

  // The field's value, or "" when absent. `name` lower-case.
  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // An error is a transport failure (DNS, connect, TLS, timeout, cancelled); any HTTP status is
  // a response.
  virtual core::Result<HttpResponse> Get(const std::string& url) = 0;
  virtual core::Result<HttpResponse> Head(const std::string& url) = 0;
  // POSTs `body` as application/jose+json.
  virtual core::Result<HttpResponse> Post(const std::string& url, const std::string& body) = 0;
};

}  // namespace rampart::acme
