#include "compress/zstd_encoder.h"

// ZSTD_getCParams, the table sizes a level uses, is in zstd's experimental section (exported by
// the shared library); BoundTablesToWindow needs it.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

namespace rampart::compress {
namespace {

class ZstdEncoder final : public Encoder {
 public:
  ZstdEncoder() = default;
  ZstdEncoder(const ZstdEncoder&) = delete;
  ZstdEncoder& operator=(const ZstdEncoder&) = delete;
  ~ZstdEncoder() override { ZSTD_freeCCtx(context_); }  // accepts nullptr

  bool Init(int level) {
    context_ = ZSTD_createCCtx();
    return context_ != nullptr && Set(ZSTD_c_compressionLevel, level) &&
           Set(ZSTD_c_windowLog, kZstdWindowLog) && BoundTablesToWindow(level) &&
           Set(ZSTD_c_checksumFlag, 1);
  }

  bool Update(std::string_view in, std::string& out) override {
    return Run(in, ZSTD_e_continue, out);
  }
  bool Flush(std::string& out) override { return Run({}, ZSTD_e_flush, out); }
  bool Finish(std::string& out) override {
    const bool ok = Run({}, ZSTD_e_end, out);
    done_ = true;
    return ok;
  }

 private:
  bool Set(ZSTD_cParameter parameter, int value) {
    return !ZSTD_isError(ZSTD_CCtx_setParameter(context_, parameter, value));
  }

  // The high levels size their match tables for their own 8 MiB window (level 19: 80 MiB),
  // and zstd shrinks them to a smaller window only when it knows the input's size, which a
  // streamed response never tells it. Tables larger than the window's positions find nothing
  // more, so they are capped as zstd would: a hash table of 2^(window+1) entries, a chain of
  // one entry per position (two for the binary-tree strategies).
  bool BoundTablesToWindow(int level) {
    const ZSTD_compressionParameters params = ZSTD_getCParams(level, 0, 0);
    const int max_hash_log = kZstdWindowLog + 1;
    const int max_chain_log = kZstdWindowLog + (params.strategy >= ZSTD_btlazy2 ? 1 : 0);
    return (static_cast<int>(params.hashLog) <= max_hash_log ||
            Set(ZSTD_c_hashLog, max_hash_log)) &&
           (static_cast<int>(params.chainLog) <= max_chain_log ||
            Set(ZSTD_c_chainLog, max_chain_log));
  }

  // Runs `directive` over `in` until all of it is consumed and, for a flush or the end, until
  // zstd reports nothing left to write (a return of 0).
  bool Run(std::string_view in, ZSTD_EndDirective directive, std::string& out) {
    if (done_) return false;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    const size_t step = ZSTD_CStreamOutSize();
    size_t remaining = 0;
    do {
      const size_t old_size = out.size();
      out.resize(old_size + step);
      ZSTD_outBuffer output{out.data() + old_size, step, 0};
      remaining = ZSTD_compressStream2(context_, &output, &input, directive);
      out.resize(old_size + output.pos);
      if (ZSTD_isError(remaining)) {
        done_ = true;
        return false;
      }
    } while (input.pos < input.size || (directive != ZSTD_e_continue && remaining != 0));
    return true;
  }

  ZSTD_CCtx* context_ = nullptr;
  bool done_ = false;  // finished or failed: no further calls succeed
};

}  // namespace

std::unique_ptr<Encoder> MakeZstdEncoder(int level) {
  auto encoder = std::make_unique<ZstdEncoder>();
  if (!encoder->Init(level)) return nullptr;
  return encoder;
}

}  // namespace rampart::compress
