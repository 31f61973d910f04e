#include "stages/bot/bot_stage.h"

#include <string>

#include "bot/browser_signals.h"
#include "bot/tls_signals.h"
#include "pipeline/exchange.h"
#include "pipeline/findings.h"

namespace rampart::stages::bot {
namespace {

using pipeline::Action;
using pipeline::FindingSource;

class BotStage final : public pipeline::Stage {
 public:
  explicit BotStage(const BotStageFactory& factory)
      : factory_(factory), challenger_(factory.challenger()) {}

  Action OnRequestHeaders(pipeline::Exchange& ex) noexcept override {
    const http::Request& request = ex.request();
    if (auto answered = challenger_.TakeAnswer(ex)) return *answered;
    if (challenger_.Cleared(ex)) return Action::kContinue;
    switch (factory_.mode()) {
      case config::RouteBotConfig::Mode::kAlways:
        return challenger_.Challenge(ex, FindingSource::kBot, "bot.challenge: always");
      case config::RouteBotConfig::Mode::kSuspicious:
        if (auto reason = rampart::bot::BrowserInconsistency(request.headers)) {
          return challenger_.Challenge(ex, FindingSource::kBot, *reason);
        }
        if (const pipeline::TlsInfo* tls = ex.tls()) {
          const std::string* ua = request.headers.Get("User-Agent");
          if (auto reason =
                  rampart::bot::TlsFingerprintInconsistency(ua ? *ua : "", tls->ja4, tls->grease)) {
            return challenger_.Challenge(ex, FindingSource::kBot, *reason);
          }
        }
        return Action::kContinue;
      case config::RouteBotConfig::Mode::kOff:
        return Action::kContinue;
    }
    return Action::kContinue;
  }

 private:
  const BotStageFactory& factory_;
  const Challenger& challenger_;
};

}  // namespace

std::unique_ptr<pipeline::Stage> BotStageFactory::Create() const {
  return std::make_unique<BotStage>(*this);
}

}  // namespace rampart::stages::bot
