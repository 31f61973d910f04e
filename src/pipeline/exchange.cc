#include "pipeline/exchange.h"

namespace rampart::pipeline {

void Exchange::SetLocalReply(int reply_status, std::string body, std::string_view content_type) {
  LocalReply reply;
  reply.status = reply_status;
  if (!content_type.empty()) reply.headers.Add("Content-Type", content_type);
  reply.body = std::move(body);
  local_reply_ = std::move(reply);
}

}  // namespace rampart::pipeline
