#include "compress/gzip_encoder.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace rampart::compress {
namespace {

// windowBits 15 (32 KiB) + 16: a gzip header and trailer instead of zlib's.
constexpr int kGzipWindowBits = 15 + 16;
constexpr int kMemLevel = 8;
// Output is produced into the tail of the caller's string, this much at a time.
constexpr size_t kOutputStep = 16 * 1024;

class GzipEncoder final : public Encoder {
 public:
  GzipEncoder() = default;
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;
  ~GzipEncoder() override {
    if (initialised_) deflateEnd(&stream_);
  }

  bool Init(int level) {
    initialised_ = deflateInit2(&stream_, level, Z_DEFLATED, kGzipWindowBits, kMemLevel,
                                Z_DEFAULT_STRATEGY) == Z_OK;
    return initialised_;
  }

  bool Update(std::string_view in, std::string& out) override { return Run(in, Z_NO_FLUSH, out); }
  bool Flush(std::string& out) override { return Run({}, Z_SYNC_FLUSH, out); }
  bool Finish(std::string& out) override {
    const bool ok = Run({}, Z_FINISH, out);
    done_ = true;
    return ok;
  }

 private:
  // Feeds `in` to deflate with `flush` until all of it is consumed and, for a flush or the
  // finish, until deflate has written everything out.
  bool Run(std::string_view in, int flush, std::string& out) {
    if (done_) return false;
    do {
      // avail_in is a uInt: a larger input goes in slices.
      const size_t slice = std::min<size_t>(in.size(), UINT_MAX);
      stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      stream_.avail_in = static_cast<uInt>(slice);
      int rc = Z_OK;
      do {
        const size_t old_size = out.size();
        out.resize(old_size + kOutputStep);
        stream_.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
        stream_.avail_out = static_cast<uInt>(kOutputStep);
        rc = deflate(&stream_, slice < in.size() ? Z_NO_FLUSH : flush);
        out.resize(old_size + kOutputStep - stream_.avail_out);
        // Z_BUF_ERROR only says no progress was possible, which is not an error here.
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
          done_ = true;
          return false;
        }
      } while (stream_.avail_out == 0 || stream_.avail_in > 0);
      if (flush == Z_FINISH && slice == in.size() && rc != Z_STREAM_END) {
        done_ = true;
        return false;
      }
      in.remove_prefix(slice);
    } while (!in.empty());
    return true;
  }

  z_stream stream_{};
  bool initialised_ = false;
  bool done_ = false;  // finished or failed: no further calls succeed
};

}  // namespace

std::unique_ptr<Encoder> MakeGzipEncoder(int level) {
  auto encoder = std::make_unique<GzipEncoder>();
  if (!encoder->Init(level)) return nullptr;
  return encoder;
}

}  // namespace rampart::compress
