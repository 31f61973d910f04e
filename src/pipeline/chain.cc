#include "pipeline/chain.h"

#include <algorithm>

#include "pipeline/exchange.h"

namespace rampart::pipeline {

Chain::Chain(std::vector<std::shared_ptr<const StageFactory>> factories)
    : factories_(std::move(factories)) {
  for (const auto& f : factories_) {
    inspects_request_body_ = inspects_request_body_ || f->InspectsRequestBody();
    inspects_response_body_ = inspects_response_body_ || f->InspectsResponseBody();
    needs_received_headers_ = needs_received_headers_ || f->NeedsReceivedHeaders();
  }
}

ChainRun::ChainRun(const Chain& chain) : chain_(chain) {
  stages_.reserve(chain.factories().size());
  for (const auto& f : chain.factories()) stages_.push_back(f->Create());
}

ChainResult ChainRun::RunRequestHeaders(Exchange& ex) { return RunHeadersFrom(ex, 0); }

ChainResult ChainRun::ResumeRequestHeaders(Exchange& ex) {
  // A pending stage may have decided to answer itself.
  if (ex.local_reply()) return ChainResult::kRespond;
  return RunHeadersFrom(ex, pending_index_ + 1);
}

ChainResult ChainRun::RunHeadersFrom(Exchange& ex, size_t first) {
  for (size_t i = first; i < stages_.size(); ++i) {
    switch (stages_[i]->OnRequestHeaders(ex)) {
      case Action::kContinue:
        break;
      case Action::kStopAndBuffer:
        wants_buffered_body_ = true;
        buffered_body_limit_ =
            std::max(buffered_body_limit_, chain_.factories()[i]->RequestBodyBufferLimit());
        break;
      case Action::kRespond:
        return ChainResult::kRespond;
      case Action::kPending:
        pending_index_ = i;
        return ChainResult::kPending;
    }
  }
  return ChainResult::kContinue;
}

ChainResult ChainRun::RunRequestBody(Exchange& ex, std::string_view chunk, bool end) {
  return RunRequestBodyFrom(ex, chunk, end, 0);
}

ChainResult ChainRun::ResumeRequestBody(Exchange& ex, std::string_view chunk, bool end) {
  if (ex.local_reply()) return ChainResult::kRespond;
  return RunRequestBodyFrom(ex, chunk, end, pending_index_ + 1);
}

ChainResult ChainRun::RunRequestBodyFrom(Exchange& ex, std::string_view chunk, bool end,
                                         size_t first) {
  for (size_t i = first; i < stages_.size(); ++i) {
    if (!chain_.factories()[i]->InspectsRequestBody()) continue;
    switch (stages_[i]->OnRequestBody(ex, chunk, end)) {
      case Action::kRespond:
        return ChainResult::kRespond;
      case Action::kPending:
        pending_index_ = i;
        return ChainResult::kPending;
      case Action::kContinue:
      case Action::kStopAndBuffer:
        break;
    }
  }
  return ChainResult::kContinue;
}

ChainResult ChainRun::RunResponseHeaders(Exchange& ex) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    switch (stages_[i]->OnResponseHeaders(ex)) {
      case Action::kRespond:
        return ChainResult::kRespond;
      case Action::kStopAndBuffer:
        held_response_limit_ =
            std::max(held_response_limit_, chain_.factories()[i]->ResponseBodyBufferLimit());
        break;
      case Action::kContinue:
      case Action::kPending:
        break;
    }
  }
  return ChainResult::kContinue;
}

ChainResult ChainRun::RunResponseBody(Exchange& ex, std::string_view chunk, bool end) {
  for (size_t i = 0; i < stages_.size(); ++i) {
    if (!chain_.factories()[i]->InspectsResponseBody()) continue;
    if (stages_[i]->OnResponseBody(ex, chunk, end) == Action::kRespond) {
      return ChainResult::kRespond;
    }
  }
  return ChainResult::kContinue;
}

void ChainRun::Complete(const Exchange& ex) {
  if (completed_) return;
  completed_ = true;
  for (auto& stage : stages_) stage->OnComplete(ex);
}

}  // namespace rampart::pipeline
