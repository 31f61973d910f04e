// The bot challenge's keys: the top-level `bot` section and a route's `bot`.

#include <optional>
#include <string>

#include "config/schema.h"
#include "config/value_syntax.h"

namespace rampart::config {

void ReadBotGlobal(const Field& field, BotGlobalConfig* out) {
  const MapReader map =
      SchemaMap(field, {"rotation", "clearance_ttl", "challenge_ttl", "difficulty", "nojs_delay",
                        "good_bots", "page", "prefix_v4", "prefix_v6", "cookie"});
  out->mark = MarkOf(field);
  map.ReadDurationMs("rotation", &out->rotation_ms, 60'000);
  map.ReadDurationMs("clearance_ttl", &out->clearance_ttl_ms, 1000);
  map.ReadDurationMs("challenge_ttl", &out->challenge_ttl_ms, 10'000);
  map.ReadInteger("difficulty", &out->difficulty, 0, 32);
  map.ReadDurationMs("nojs_delay", &out->nojs_delay_ms, 1000);
  if (const Field* f = map.Find("good_bots")) {
    if (auto path = ReadExistingFile(*f)) out->good_bots = std::move(*path);
  }
  if (const Field* f = map.Find("page")) {
    if (auto path = ReadExistingFile(*f)) out->page = std::move(*path);
  }
  // A token is checked against the current and the previous period's secret only, so it cannot
  // outlive two rotations; a TTL longer than one would promise more than it keeps.
  for (auto [key, ttl] : {std::pair{"clearance_ttl", out->clearance_ttl_ms},
                          std::pair{"challenge_ttl", out->challenge_ttl_ms}}) {
    if (ttl > out->rotation_ms && map.Find(key) != nullptr) {
      map.Find(key)->Fail(
          "must not exceed rotation (tokens are good for at most two rotation "
          "periods)");
    } else if (ttl > out->rotation_ms) {
      field.FailChild("rotation", std::string("must be at least ") + key);
    }
  }
  map.ReadInteger("prefix_v4", &out->prefix_v4, 8, 32);
  map.ReadInteger("prefix_v6", &out->prefix_v6, 16, 128);
  if (const Field* f = map.Find("cookie")) {
    if (auto name = f->AsString()) {
      if (!IsHttpToken(*name)) {
        f->Fail("expected a cookie name");
      } else {
        out->cookie = std::move(*name);
      }
    }
  }
}

std::optional<RouteBotConfig> ReadRouteBot(const Field& field) {
  const MapReader map = SchemaMap(field, {"challenge", "api", "difficulty"});
  if (!map.is_map()) return std::nullopt;
  RouteBotConfig bot;
  bot.mark = MarkOf(field);
  if (const Field* f = map.Find("challenge")) {
    if (auto mode = ReadEnum(*f, {"off", "suspicious", "always"})) {
      bot.mode = *mode == "off"          ? RouteBotConfig::Mode::kOff
                 : *mode == "suspicious" ? RouteBotConfig::Mode::kSuspicious
                                         : RouteBotConfig::Mode::kAlways;
    }
  }
  map.ReadBool("api", &bot.api);
  if (bot.api) {
    if (const Field* f = map.Find("challenge");
        f != nullptr && bot.mode != RouteBotConfig::Mode::kOff) {
      f->Fail("an API route is never challenged: leave challenge out or set it to off");
    }
    bot.mode = RouteBotConfig::Mode::kOff;
  }
  if (const Field* f = map.Find("difficulty")) {
    if (auto bits = f->AsInteger(0, 32)) bot.difficulty = static_cast<uint32_t>(*bits);
  }
  return bot;
}

}  // namespace rampart::config
