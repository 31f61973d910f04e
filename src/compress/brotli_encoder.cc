#include "compress/brotli_encoder.h"

#include <brotli/encode.h>

namespace rampart::compress {
namespace {

class BrotliEncoder final : public Encoder {
 public:
  BrotliEncoder() = default;
  BrotliEncoder(const BrotliEncoder&) = delete;
  BrotliEncoder& operator=(const BrotliEncoder&) = delete;
  ~BrotliEncoder() override {
    if (state_ != nullptr) BrotliEncoderDestroyInstance(state_);
  }

  bool Init(int level) {
    state_ = BrotliEncoderCreateInstance(nullptr, nullptr, nullptr);
    return state_ != nullptr &&
           BrotliEncoderSetParameter(state_, BROTLI_PARAM_QUALITY, static_cast<uint32_t>(level)) ==
               BROTLI_TRUE &&
           BrotliEncoderSetParameter(state_, BROTLI_PARAM_LGWIN, kBrotliWindowBits) == BROTLI_TRUE;
  }

  bool Update(std::string_view in, std::string& out) override {
    return Run(in, BROTLI_OPERATION_PROCESS, out);
  }
  bool Flush(std::string& out) override { return Run({}, BROTLI_OPERATION_FLUSH, out); }
  bool Finish(std::string& out) override {
    const bool ok = Run({}, BROTLI_OPERATION_FINISH, out) && BrotliEncoderIsFinished(state_);
    done_ = true;
    return ok;
  }

 private:
  // Runs `operation` over `in` until all of it is consumed and the encoder has no output left
  // (for a flush or the finish: until it is complete). The output is taken from brotli's own
  // buffer (BrotliEncoderTakeOutput) rather than copied through one of ours.
  bool Run(std::string_view in, BrotliEncoderOperation operation, std::string& out) {
    if (done_) return false;
    size_t available_in = in.size();
    const auto* next_in = reinterpret_cast<const uint8_t*>(in.data());
    do {
      size_t available_out = 0;
      if (!BrotliEncoderCompressStream(state_, operation, &available_in, &next_in, &available_out,
                                       nullptr, nullptr)) {
        done_ = true;
        return false;
      }
      size_t size = 0;
      const uint8_t* output = BrotliEncoderTakeOutput(state_, &size);
      if (size > 0) out.append(reinterpret_cast<const char*>(output), size);
    } while (available_in > 0 || BrotliEncoderHasMoreOutput(state_));
    return true;
  }

  BrotliEncoderState* state_ = nullptr;
  bool done_ = false;  // finished or failed: no further calls succeed
};

}  // namespace

std::unique_ptr<Encoder> MakeBrotliEncoder(int level) {
  auto encoder = std::make_unique<BrotliEncoder>();
  if (!encoder->Init(level)) return nullptr;
  return encoder;
}

}  // namespace rampart::compress
