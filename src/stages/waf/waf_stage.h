#pragma once
// The waf stage: every request of a route through libmodsecurity with the route's compiled
// policy (src/modsec/). It feeds the request as received (connection, original target, every
// header as the client sent it), buffers the body when there is one, and optionally inspects
// the response. Whatever matched goes into the exchange's findings (the attack log); in block
// mode an intervention answers with the block page (or a redirect, or 413 for a body over the
// policy's limit), in detect mode nothing is ever blocked.

#include <memory>
#include <string>
#include <string_view>

#include "fastpath/fast_path.h"
#include "modsec/compiled_policy.h"
#include "pipeline/stage.h"

namespace rampart::stages::waf {

// The block page used when waf.block_page is not set.
extern const char kDefaultBlockPage[];
// Where the request id goes in a block page template.
inline constexpr std::string_view kRequestIdPlaceholder = "{{request_id}}";

// The block page for `request_id`: `page_template` with every {{request_id}} replaced by the
// HTML-escaped id.
std::string RenderBlockPage(std::string_view page_template, std::string_view request_id);

class WafStageFactory final : public pipeline::StageFactory {
 public:
  // `policy` decides the mode (detect_only), the body limit and response inspection;
  // `block_page` is the page template (empty: kDefaultBlockPage); with `body_views`, bodies no
  // libmodsecurity processor reads are inspected through their JSON views (modsec/body_view.h).
  // With a `fast_path` (of this policy), a request without a body that no rule could match
  // skips libmodsecurity.
  WafStageFactory(std::shared_ptr<const modsec::CompiledPolicy> policy, std::string block_page,
                  bool body_views = false,
                  std::shared_ptr<const fastpath::FastPath> fast_path = nullptr);

  std::string_view name() const override { return "waf"; }
  std::unique_ptr<pipeline::Stage> Create() const override;
  bool InspectsRequestBody() const override { return true; }
  // libmodsecurity is handed at most the limit plus one byte (which tells it the body is longer).
  uint64_t RequestBodyBufferLimit() const override { return policy_->policy().request_body_limit; }
  bool InspectsResponseBody() const override { return policy_->policy().inspect_response; }
  // The response head waits for this many body bytes (plus one) to be judged.
  uint64_t ResponseBodyBufferLimit() const override {
    return policy_->policy().response_body_limit;
  }
  bool NeedsReceivedHeaders() const override { return true; }

  const std::shared_ptr<const modsec::CompiledPolicy>& policy() const { return policy_; }
  const std::string& block_page() const { return block_page_; }
  bool body_views() const { return body_views_; }
  const fastpath::FastPath* fast_path() const { return fast_path_.get(); }

 private:
  std::shared_ptr<const modsec::CompiledPolicy> policy_;
  std::string block_page_;
  bool body_views_;
  std::shared_ptr<const fastpath::FastPath> fast_path_;
};

}  // namespace rampart::stages::waf
