#include "proxy/h2_request_head.h"

#include "core/strings.h"

namespace rampart::proxy {

namespace {

// Methods whose requests normally carry a body: an empty one is still framed (Content-Length:
// 0), as HTTP/1.1 clients do, so that backends expecting a length get one.
bool ExpectsBody(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

void H2RequestHead::Add(std::string_view name, std::string_view value) {
  if (limit_error_ != http::ParseError::kNone) return;
  list_size_ += name.size() + value.size() + kFieldOverhead;
  ++field_count_;
  // Pseudo-fields count too: they become the request line and Host, which the Session's parser
  // counts against the same limits, so a list within them here is within them there.
  if (list_size_ > limits_.max_header_bytes) {
    limit_error_ = http::ParseError::kHeadersTooLarge;
  } else if (field_count_ > limits_.max_header_count) {
    limit_error_ = http::ParseError::kTooManyHeaders;
  }
  if (limit_error_ != http::ParseError::kNone) {
    // Keep nothing more: the verdict is decided.
    fields_.clear();
    cookie_.clear();
    return;
  }
  if (name.starts_with(':')) {
    if (name == ":method") {
      method_ = value;
    } else if (name == ":path") {
      path_ = value;
    } else if (name == ":authority") {
      authority_ = value;
    }
    // :scheme is not forwarded: the Session knows whether the connection is TLS.
    return;
  }
  if (name == "cookie") {
    if (!cookie_.empty()) cookie_.append("; ");
    cookie_.append(value);
  } else if (name == "host") {
    has_host_ = true;  // nghttp2 refuses a second one
    host_ = value;
  } else if (name == "content-length") {
    content_length_ = value;  // nghttp2 checked it is one decimal number, matched by the DATA
  } else if (name == "te") {
    // Only "trailers" gets here; it means nothing to an HTTP/1.1 hop without Connection: TE.
  } else {
    fields_.emplace_back(name, value);
  }
}

H2RequestHead::Verdict H2RequestHead::Check() const {
  if (limit_error_ != http::ParseError::kNone) return Verdict::kTooLarge;
  if (method_ == "CONNECT") return Verdict::kConnect;
  if (method_.empty() || path_.empty()) return Verdict::kMissingPseudo;
  // RFC 9113 §8.3.1: a host field must not name another authority than :authority; which one
  // would routing, the WAF and the backend each believe?
  if (has_host_ && !authority_.empty() && !core::EqualsIgnoreCase(host_, authority_)) {
    return Verdict::kHostMismatch;
  }
  return Verdict::kBridge;
}

std::string H2RequestHead::ToHttp1(bool body_follows) const {
  std::string out;
  size_t size = method_.size() + path_.size() + authority_.size() + cookie_.size() + 64;
  for (const auto& [name, value] : fields_) size += name.size() + value.size() + 4;
  out.reserve(size);
  out.append(method_).append(" ").append(path_).append(" HTTP/1.1\r\n");
  // Without either, the Session answers 400 (missing Host), as it would to HTTP/1.1.
  if (!authority_.empty()) {
    AppendField(out, "host", authority_);
  } else if (has_host_) {
    AppendField(out, "host", host_);
  }
  for (const auto& [name, value] : fields_) AppendField(out, name, value);
  if (!cookie_.empty()) AppendField(out, "cookie", cookie_);
  if (!content_length_.empty()) {
    AppendField(out, "content-length", content_length_);
  } else if (body_follows) {
    AppendField(out, "transfer-encoding", "chunked");
  } else if (ExpectsBody(method_)) {
    AppendField(out, "content-length", "0");
  }
  AppendField(out, "connection", "close");
  out.append("\r\n");
  return out;
}

}  // namespace rampart::proxy
