#include "bot/good_bots.h"

#include <array>
#include <fstream>
#include <sstream>

#include "config/diagnostics.h"
#include "config/yaml_reader.h"
#include "core/strings.h"

namespace rampart::bot {
namespace {

using config::Field;
using config::MapReader;

constexpr std::array<std::string_view, 0> kNoLaterKeys{};

// A path written in the file, relative to the file's directory.
std::string Beside(const std::string& file, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? path : file.substr(0, slash + 1) + path;
}

std::optional<GoodBots::Bot> ReadBot(const Field& item, const std::string& file,
                                     std::vector<std::string>* range_files) {
  const MapReader map(item, {"name", "user_agent", "ranges", "ranges_file"}, kNoLaterKeys);
  if (!map.is_map()) return std::nullopt;
  GoodBots::Bot bot;
  bool ok = true;
  if (const Field* f = map.Require("name")) {
    if (auto name = f->AsString(); name && !name->empty()) {
      bot.name = std::move(*name);
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  if (const Field* f = map.Require("user_agent")) {
    auto ua = f->AsString();
    if (ua && ua->size() >= 3) {
      bot.user_agent = core::ToLower(*ua);
    } else {
      if (ua) f->Fail("expected at least 3 characters of the bot's User-Agent");
      ok = false;
    }
  } else {
    ok = false;
  }
  net::IpRangeSet::Builder builder;
  size_t entries = 0;
  if (const Field* f = map.Find("ranges")) {
    if (auto items = f->AsList()) {
      for (const Field& range : *items) {
        auto text = range.AsString();
        if (!text) continue;
        if (auto status = builder.Add(*text); !status.ok()) {
          range.Fail(status.error().message);
          ok = false;
        }
        ++entries;
      }
    }
  }
  if (const Field* f = map.Find("ranges_file")) {
    if (auto path = f->AsString()) {
      const std::string resolved = Beside(file, *path);
      if (auto status = net::AddListFile(resolved, builder); !status.ok()) {
        f->Fail(status.error().message);
        ok = false;
      }
      range_files->push_back(resolved);
      ++entries;
    }
  }
  if (entries == 0) {
    item.Fail("expected ranges or ranges_file: a user-agent alone verifies nothing");
    ok = false;
  }
  if (!ok) return std::nullopt;
  bot.ranges = builder.Build();
  return bot;
}

}  // namespace

std::variant<std::shared_ptr<const GoodBots>, std::vector<std::string>> GoodBots::Parse(
    const std::string& text, const std::string& file) {
  config::Diagnostics diag(file);
  auto out = std::make_shared<GoodBots>();
  if (auto root = config::ParseDocument(text, &diag)) {
    const MapReader map(*root, {"bots"}, kNoLaterKeys);
    if (const Field* bots = map.Require("bots")) {
      if (auto items = bots->AsList()) {
        for (const Field& item : *items) {
          if (auto bot = ReadBot(item, file, &out->files_)) out->bots_.push_back(std::move(*bot));
        }
      }
    }
  }
  if (!diag.empty()) return diag.SortedMessages();
  return std::shared_ptr<const GoodBots>(std::move(out));
}

std::variant<std::shared_ptr<const GoodBots>, std::vector<std::string>> GoodBots::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::vector<std::string>{path + ":0: cannot read the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<std::string_view> GoodBots::Match(std::string_view user_agent,
                                                const net::IpAddress& ip) const {
  if (bots_.empty() || user_agent.empty()) return std::nullopt;
  const std::string ua = core::ToLower(user_agent);
  for (const Bot& bot : bots_) {
    if (ua.find(bot.user_agent) != std::string::npos && bot.ranges.Contains(ip)) return bot.name;
  }
  return std::nullopt;
}

}  // namespace rampart::bot
