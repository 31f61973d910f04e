#pragma once
// The headers stage: a route's set_request_headers / set_response_headers. It runs last among
// the request stages, so the checks before it see the request exactly as the client sent it.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/stage.h"

namespace rampart::stages::headers {

// Each entry sets the header to the value; an empty value removes the header.
using HeaderEdits = std::vector<std::pair<std::string, std::string>>;

class HeadersStageFactory final : public pipeline::StageFactory {
 public:
  HeadersStageFactory(HeaderEdits request_edits, HeaderEdits response_edits)
      : request_edits_(std::move(request_edits)), response_edits_(std::move(response_edits)) {}
  std::string_view name() const override { return "headers"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  // Edits headers; reads the current ones and records no findings.
  bool NeedsReceivedHeaders() const override { return false; }

 private:
  HeaderEdits request_edits_;
  HeaderEdits response_edits_;
};

}  // namespace rampart::stages::headers
