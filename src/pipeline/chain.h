#pragma once
// The chain runner: the only code that knows in which order a route's stages run.
// Chain is the immutable list of factories (part of a route, in the runtime snapshot);
// ChainRun is its per-request instance, owned by the downstream session.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "pipeline/stage.h"

namespace rampart::pipeline {

class Chain {
 public:
  explicit Chain(std::vector<std::shared_ptr<const StageFactory>> factories);
  Chain() = default;
  const std::vector<std::shared_ptr<const StageFactory>>& factories() const { return factories_; }
  bool inspects_request_body() const { return inspects_request_body_; }
  bool inspects_response_body() const { return inspects_response_body_; }
  bool needs_received_headers() const { return needs_received_headers_; }

 private:
  std::vector<std::shared_ptr<const StageFactory>> factories_;
  bool inspects_request_body_ = false;
  bool inspects_response_body_ = false;
  bool needs_received_headers_ = false;
};

// Where a chain phase ended.
enum class ChainResult : uint8_t {
  kContinue,  // every stage let the request (or response) through
  kRespond,   // a stage set the exchange's local reply; send it
  kPending,   // a stage waits; the session waits for Exchange::Resume, then calls Resume...()
};

class ChainRun {
 public:
  ChainRun(const Chain& chain);  // NOLINT(google-explicit-constructor)

  // Runs OnRequestHeaders in order from the first stage.
  ChainResult RunRequestHeaders(Exchange& ex);
  // After Exchange::Resume: goes on with the stage after the one that was pending.
  ChainResult ResumeRequestHeaders(Exchange& ex);
  // True when some stage returned kStopAndBuffer: the body must be buffered first.
  bool wants_buffered_body() const { return wants_buffered_body_; }
  // How many body bytes to buffer at most then: the largest RequestBodyBufferLimit() of the
  // stages that asked (the proxy reads one byte more, so that they see the body is longer).
  uint64_t buffered_body_limit() const { return buffered_body_limit_; }

  // Body bytes (streamed, or what was buffered once when wants_buffered_body()). kPending only
  // comes from the buffered call; the session then waits and calls ResumeRequestBody with the
  // same bytes.
  ChainResult RunRequestBody(Exchange& ex, std::string_view chunk, bool end);
  ChainResult ResumeRequestBody(Exchange& ex, std::string_view chunk, bool end);
  ChainResult RunResponseHeaders(Exchange& ex);
  // After RunResponseHeaders: how many response body bytes to hold back before the head goes
  // out (the largest ResponseBodyBufferLimit() of the stages that answered kStopAndBuffer);
  // 0: none, send the head at once.
  uint64_t held_response_limit() const { return held_response_limit_; }
  ChainResult RunResponseBody(Exchange& ex, std::string_view chunk, bool end);
  // Runs every stage's OnComplete once; later calls do nothing.
  void Complete(const Exchange& ex);

 private:
  ChainResult RunHeadersFrom(Exchange& ex, size_t first);
  ChainResult RunRequestBodyFrom(Exchange& ex, std::string_view chunk, bool end, size_t first);

  const Chain& chain_;
  std::vector<std::unique_ptr<Stage>> stages_;
  size_t pending_index_ = 0;
  bool wants_buffered_body_ = false;
  uint64_t buffered_body_limit_ = 0;
  uint64_t held_response_limit_ = 0;
  bool completed_ = false;
};

}  // namespace rampart::pipeline
