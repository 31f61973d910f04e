#pragma once
// ResponseCompression: whether a response to a client is compressed (the route's
// `compression`, the client's Accept-Encoding, the response's type, size and encoding), the
// header changes that go with it, and the streaming encoder that compresses its body piece by
// piece — nothing is buffered whole.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compress/encoder.h"
#include "compress/encoding.h"
#include "config/config.h"
#include "http/message.h"

namespace rampart::proxy {

// The route's algorithms, in its order of preference.
std::vector<compress::Encoding> OfferedEncodings(const config::CompressionConfig& config);

class ResponseCompression {
 public:
  // Decides for `resp` (after the response stages). When it compresses, the headers are
  // changed (Content-Encoding, Vary, no Content-Length, a weak ETag) and an encoder is returned;
  // otherwise null, with Vary: Accept-Encoding added when the choice depended on it.
  static std::unique_ptr<ResponseCompression> Start(const config::CompressionConfig& config,
                                                    const http::Request& req, http::Response& resp);

  // Appends the encoded form of `in` to `out`; false on an encoder error.
  bool Update(std::string_view in, std::string& out);
  // What was given so far, decodable now: the backend paused (a streamed response).
  bool Flush(std::string& out);
  bool Finish(std::string& out);

  compress::Encoding encoding() const { return encoding_; }
  uint64_t input_bytes() const { return input_bytes_; }
  uint64_t output_bytes() const { return output_bytes_; }

 private:
  ResponseCompression(compress::Encoding encoding, std::unique_ptr<compress::Encoder> encoder)
      : encoding_(encoding), encoder_(std::move(encoder)) {}
  bool Count(bool ok, std::string& out, size_t before);

  compress::Encoding encoding_;
  std::unique_ptr<compress::Encoder> encoder_;
  uint64_t input_bytes_ = 0;
  uint64_t output_bytes_ = 0;
  bool flushed_ = true;  // nothing given since the last Flush
};

}  // namespace rampart::proxy
