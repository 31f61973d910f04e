#include "stages/headers/headers_stage.h"

#include "pipeline/exchange.h"

namespace rampart::stages::headers {

namespace {

void Apply(const HeaderEdits& edits, http::HeaderMap& headers) {
  for (const auto& [name, value] : edits) {
    if (value.empty()) {
      headers.Remove(name);
    } else {
      headers.Set(name, value);
    }
  }
}

class HeadersStage final : public pipeline::Stage {
 public:
  HeadersStage(const HeaderEdits& request_edits, const HeaderEdits& response_edits)
      : request_edits_(request_edits), response_edits_(response_edits) {}

  pipeline::Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    Apply(request_edits_, ex.request().headers);
    return pipeline::Action::kContinue;
  }
  pipeline::Action OnResponseHeaders(pipeline::Exchange& ex) noexcept override {
    Apply(response_edits_, ex.response().headers);
    return pipeline::Action::kContinue;
  }

 private:
  const HeaderEdits& request_edits_;  // owned by the factory, which outlives the request
  const HeaderEdits& response_edits_;
};

}  // namespace

std::unique_ptr<pipeline::Stage> HeadersStageFactory::Create() const {
  return std::make_unique<HeadersStage>(request_edits_, response_edits_);
}

}  // namespace rampart::stages::headers
