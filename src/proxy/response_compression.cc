#include "proxy/response_compression.h"

#include "compress/compressible_type.h"
#include "core/strings.h"

namespace rampart::proxy {

namespace {

int LevelFor(const config::CompressionConfig& config, compress::Encoding encoding) {
  switch (encoding) {
    case compress::Encoding::kGzip:
      return config.gzip_level;
    case compress::Encoding::kBrotli:
      return config.brotli_level;
    case compress::Encoding::kZstd:
      return config.zstd_level;
    case compress::Encoding::kIdentity:
      break;
  }
  return 0;
}

// Whether any Content-Encoding line names a coding: such a body is never encoded twice.
bool AlreadyEncoded(const http::HeaderMap& headers) {
  bool encoded = false;
  for (const http::Header& field : headers) {
    if (!core::EqualsIgnoreCase(field.name, "Content-Encoding")) continue;
    http::ForEachListToken(field.value, [&](std::string_view coding) {
      if (!core::EqualsIgnoreCase(coding, "identity")) encoded = true;
    });
  }
  return encoded;
}

// Adds Accept-Encoding to Vary unless some Vary line already lists it (or "*"). A new line, so
// that every existing one is kept as it is.
void AddVaryAcceptEncoding(http::HeaderMap& headers) {
  if (headers.HasToken("Vary", "Accept-Encoding") || headers.HasToken("Vary", "*")) return;
  headers.Add("Vary", "Accept-Encoding");
}

bool NoTransform(const http::HeaderMap& headers) {
  return headers.HasToken("Cache-Control", "no-transform");
}

}  // namespace

std::vector<compress::Encoding> OfferedEncodings(const config::CompressionConfig& config) {
  std::vector<compress::Encoding> offered;
  for (const std::string& name : config.algorithms) {
    if (auto encoding = compress::EncodingFromName(name)) offered.push_back(*encoding);
  }
  return offered;
}

std::unique_ptr<ResponseCompression> ResponseCompression::Start(
    const config::CompressionConfig& config, const http::Request& req, http::Response& resp) {
  // Statuses whose body is not the representation (or that have none).
  if (resp.status < 200 || resp.status == 204 || resp.status == 206 || resp.status == 304) {
    return nullptr;
  }
  if (AlreadyEncoded(resp.headers) || NoTransform(resp.headers) ||
      resp.headers.Get("Content-Range") != nullptr) {
    return nullptr;
  }
  const std::string* type = resp.headers.Get("Content-Type");
  const bool compressible =
      type != nullptr && (config.types.empty() ? compress::IsCompressibleType(
                                                     *type, compress::DefaultCompressibleTypes())
                                               : compress::IsCompressibleType(*type, config.types));
  if (!compressible) return nullptr;
  if (resp.framing == http::BodyFraming::kContentLength && resp.content_length < config.min_size) {
    return nullptr;
  }
  const bool has_body = resp.framing != http::BodyFraming::kNone || req.method == "HEAD";
  if (!has_body) return nullptr;
  // From here on the choice depends on Accept-Encoding: caches must know.
  AddVaryAcceptEncoding(resp.headers);
  const std::vector<compress::Encoding> offered = OfferedEncodings(config);
  std::string accept;
  for (const http::Header& field : req.headers) {
    if (!core::EqualsIgnoreCase(field.name, "Accept-Encoding")) continue;
    if (!accept.empty()) accept += ", ";
    accept += field.value;
  }
  const compress::Encoding encoding = compress::ChooseEncoding(accept, offered);
  if (encoding == compress::Encoding::kIdentity) return nullptr;
  std::unique_ptr<compress::Encoder> encoder =
      compress::MakeEncoder(encoding, LevelFor(config, encoding));
  if (encoder == nullptr) return nullptr;
  resp.headers.Set("Content-Encoding", compress::EncodingToken(encoding));
  resp.headers.Remove("Content-Length");
  // The encoded bytes are another representation: a strong validator would be a lie (nginx
  // does the same).
  if (const std::string* etag = resp.headers.Get("ETag");
      etag != nullptr && !etag->starts_with("W/")) {
    resp.headers.Set("ETag", "W/" + *etag);
  }
  return std::unique_ptr<ResponseCompression>(
      new ResponseCompression(encoding, std::move(encoder)));
}

bool ResponseCompression::Count(bool ok, std::string& out, size_t before) {
  output_bytes_ += out.size() - before;
  return ok;
}

bool ResponseCompression::Update(std::string_view in, std::string& out) {
  if (in.empty()) return true;
  input_bytes_ += in.size();
  flushed_ = false;
  const size_t before = out.size();
  return Count(encoder_->Update(in, out), out, before);
}

bool ResponseCompression::Flush(std::string& out) {
  if (flushed_) return true;
  flushed_ = true;
  const size_t before = out.size();
  return Count(encoder_->Flush(out), out, before);
}

bool ResponseCompression::Finish(std::string& out) {
  const size_t before = out.size();
  return Count(encoder_->Finish(out), out, before);
}

}  // namespace rampart::proxy
