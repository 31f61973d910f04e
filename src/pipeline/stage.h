#pragma once
// The one interface every request check implements. Only the chain runner (chain.h) knows the
// order in which stages run; a stage never calls another stage.

#include <cstdint>
#include <memory>
#include <string_view>

namespace rampart::pipeline {

class Exchange;

// What a stage hook tells the chain runner. kStopAndBuffer is honoured from OnRequestHeaders
// and OnResponseHeaders, kPending from OnRequestHeaders and from the OnRequestBody call with the
// buffered body (after kStopAndBuffer); elsewhere they count as kContinue.
enum class Action : uint8_t {
  // Run the next stage.
  kContinue,
  // (OnRequestHeaders only) this stage needs the request body before it can decide: the proxy
  // buffers it before contacting a backend (up to the route's body limit, 413 past it), then
  // calls OnRequestBody once with the whole body and end == true. A body longer than the
  // factory's RequestBodyBufferLimit() is buffered only to that limit plus one byte: the stage
  // then gets those bytes with end == false, decides on them, and the rest streams through
  // OnRequestBody as it is forwarded. Later stages still run their header hooks.
  // From OnResponseHeaders: the response head is held back while up to the factory's
  // ResponseBodyBufferLimit() plus one byte of the body are read; they pass through
  // OnResponseBody as usual, and a kRespond there still replaces the whole response (nothing
  // was sent). Then the head and what was held go out, and the rest streams.
  kStopAndBuffer,
  // Stop: the stage has set ex.local_reply() (block page, 429, challenge page, redirect) and
  // that is what the client gets. No later stage runs, no backend is contacted.
  kRespond,
  // The stage waits on the network (Redis, an auth service), or has handed CPU-heavy work to
  // ex.Offload(). It must call ex.Resume() exactly once, on the same thread, when it is done
  // (and never after OnComplete, which runs if the client goes away meanwhile) — Offload does
  // that itself; the hook is then not called again, and the chain goes on with the next stage
  // (or stops if the stage set a local reply).
  kPending,
};

// One instance per request, made by its factory. Hooks run on the request's worker thread,
// never block and never throw.
class Stage {
 public:
  virtual ~Stage() = default;
  virtual Action OnRequestHeaders(Exchange& /*ex*/) noexcept { return Action::kContinue; }
  // Body bytes as they pass (or the whole body once, after kStopAndBuffer). Only called when
  // the factory's InspectsRequestBody() is true.
  virtual Action OnRequestBody(Exchange& /*ex*/, std::string_view /*chunk*/,
                               bool /*end*/) noexcept {
    return Action::kContinue;
  }
  // The backend's response head (ex.response()); stages may edit headers. kRespond replaces
  // the response with ex.local_reply() while nothing has been sent yet.
  virtual Action OnResponseHeaders(Exchange& /*ex*/) noexcept { return Action::kContinue; }
  // Only called when the factory's InspectsResponseBody() is true.
  virtual Action OnResponseBody(Exchange& /*ex*/, std::string_view /*chunk*/,
                                bool /*end*/) noexcept {
    return Action::kContinue;
  }
  // Runs once when the exchange ends, whatever happened after the route's chain was created
  // (requests refused by the parser or matching no route never reach a chain): logs, counters.
  virtual void OnComplete(const Exchange& /*ex*/) noexcept {}
};

// Built once from a route's config, immutable, shared by all workers through the runtime
// snapshot.
class StageFactory {
 public:
  virtual ~StageFactory() = default;
  virtual std::string_view name() const = 0;
  virtual std::unique_ptr<Stage> Create() const = 0;  // cheap: called per request
  // Whether OnRequestBody / OnResponseBody must see the bytes. When no stage of a route does,
  // bodies move between sockets without being copied.
  virtual bool InspectsRequestBody() const { return false; }
  // How much of the body a stage that answers kStopAndBuffer needs at most (see kStopAndBuffer).
  virtual uint64_t RequestBodyBufferLimit() const { return UINT64_MAX; }
  virtual uint64_t ResponseBodyBufferLimit() const { return 0; }
  virtual bool InspectsResponseBody() const { return false; }
  // Whether the stage reads Exchange::received_headers() or may record findings (the attack
  // log shows the headers as received). When some stage of the configuration does, the proxy
  // keeps a copy of every request's head as parsed; a stage that does neither says false.
  virtual bool NeedsReceivedHeaders() const { return true; }
};

}  // namespace rampart::pipeline
