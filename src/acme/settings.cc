#include "acme/settings.h"

namespace rampart::acme {

const char* ChallengeTypeName(ChallengeType type) {
  return type == ChallengeType::kHttp01 ? "http-01" : "tls-alpn-01";
}

}  // namespace rampart::acme
