#pragma once
// BotKeyRing: the secrets every worker signs and checks bot tokens with (bot/tokens.h), the
// current rotation period's and the previous one's. One per process, kept across reloads; the
// server refreshes it (server/bot_setup.cc) from the shared state, so that every node of a
// cluster agrees; workers only read it.

#include <atomic>
#include <memory>

#include "bot/tokens.h"

namespace rampart::stages::bot {

class BotKeyRing {
 public:
  // Null until the first keys are set.
  std::shared_ptr<const rampart::bot::BotKeys> Get() const { return std::atomic_load(&keys_); }
  void Set(std::shared_ptr<const rampart::bot::BotKeys> keys) {
    std::atomic_store(&keys_, std::move(keys));
  }

 private:
  std::shared_ptr<const rampart::bot::BotKeys> keys_;
};

}  // namespace rampart::stages::bot
