#include "signatures/pack_loader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "config/diagnostics.h"
#include "config/yaml_reader.h"

namespace rampart::signatures {
namespace {

using config::Field;
using config::MapReader;

constexpr std::array<std::string_view, 0> kNoLaterKeys{};

bool IsPackName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsTag(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
           c == '/';
  });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<Where> ReadWhere(const Field& f) {
  auto text = f.AsString();
  if (!text) return std::nullopt;
  static const std::map<std::string_view, Part> kParts = {
      {"path", Part::kPath},          {"query", Part::kQuery},
      {"arg_names", Part::kArgNames}, {"arg_values", Part::kArgValues},
      {"headers", Part::kHeaders},    {"user_agent", Part::kUserAgent},
      {"cookies", Part::kCookies},    {"body", Part::kBody}};
  if (auto it = kParts.find(*text); it != kParts.end()) return Where{it->second, {}};
  constexpr std::string_view kHeaderPrefix = "header:";
  if (text->rfind(kHeaderPrefix, 0) == 0 && text->size() > kHeaderPrefix.size()) {
    return Where{Part::kHeader, Lower(text->substr(kHeaderPrefix.size()))};
  }
  f.Fail(
      "expected path, query, arg_names, arg_values, headers, header:NAME, user_agent, "
      "cookies or body");
  return std::nullopt;
}

std::optional<Action> ReadAction(const Field& f) {
  auto text = f.AsString();
  if (!text) return std::nullopt;
  if (*text == "block") return Action{ActionKind::kBlock, 0};
  if (*text == "challenge") return Action{ActionKind::kChallenge, 0};
  if (*text == "log") return Action{ActionKind::kLog, 0};
  constexpr std::string_view kScore = "score ";
  if (text->rfind(kScore, 0) == 0) {
    const std::string_view n = std::string_view(*text).substr(kScore.size());
    uint32_t score = 0;
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), score);
    if (ec == std::errc() && end == n.data() + n.size() && score >= 1 && score <= 1000) {
      return Action{ActionKind::kScore, score};
    }
  }
  f.Fail("expected block, challenge, log or \"score N\" (N from 1 to 1000)");
  return std::nullopt;
}

// A list of non-empty strings; each bad item is reported.
std::vector<std::string> ReadStrings(const Field& f, bool (*valid)(std::string_view),
                                     std::string_view what) {
  std::vector<std::string> out;
  auto items = f.AsList();
  if (!items) return out;
  for (const Field& item : *items) {
    auto text = item.AsString();
    if (!text) continue;
    if (!valid(*text)) {
      item.Fail(std::string("expected ") + std::string(what));
      continue;
    }
    out.push_back(std::move(*text));
  }
  return out;
}

std::optional<Signature> ReadSignature(const Field& f) {
  const MapReader map(
      f, {"id", "description", "regex", "literals", "where", "flags", "action", "tags", "scope"},
      kNoLaterKeys);
  if (!map.is_map()) return std::nullopt;
  Signature sig;
  sig.file = f.file();
  sig.line = f.line();
  bool ok = true;
  if (const Field* id = map.Require("id")) {
    if (auto v = id->AsInteger(1, 999999)) sig.id = static_cast<uint32_t>(*v);
  }
  if (const Field* d = map.Require("description")) {
    if (auto v = d->AsString(); v && !v->empty()) {
      sig.description = std::move(*v);
    } else if (v) {
      d->Fail("must not be empty");
    }
  }
  const Field* regex = map.Find("regex");
  const Field* literals = map.Find("literals");
  if ((regex == nullptr) == (literals == nullptr)) {
    f.Fail("needs exactly one of regex and literals");
    ok = false;
  } else if (regex != nullptr) {
    if (auto v = regex->AsString(); v && !v->empty()) {
      sig.regex = std::move(*v);
    } else if (v) {
      regex->Fail("must not be empty");
    }
  } else {
    sig.literals = ReadStrings(
        *literals, [](std::string_view s) { return !s.empty(); }, "a non-empty string");
    if (sig.literals.empty()) literals->Fail("needs at least one literal");
  }
  if (const Field* where = map.Require("where")) {
    if (auto items = where->AsList()) {
      for (const Field& item : *items) {
        auto w = ReadWhere(item);
        if (!w) continue;
        if (std::find(sig.where.begin(), sig.where.end(), *w) != sig.where.end()) {
          item.Fail("listed twice");
          continue;
        }
        sig.where.push_back(std::move(*w));
      }
      if (items->empty()) where->Fail("needs at least one part");
    }
  }
  if (const Field* flags = map.Find("flags")) {
    if (auto items = flags->AsList()) {
      for (const Field& item : *items) {
        auto text = item.AsString();
        if (!text) continue;
        if (*text == "caseless") {
          sig.caseless = true;
        } else if (*text == "dotall") {
          sig.dotall = true;
        } else if (*text == "multiline") {
          sig.multiline = true;
        } else {
          item.Fail("expected caseless, dotall or multiline");
        }
      }
    }
  }
  if (const Field* action = map.Require("action")) {
    if (auto a = ReadAction(*action)) sig.action = *a;
  }
  if (const Field* tags = map.Find("tags")) {
    sig.tags = ReadStrings(*tags, IsTag, "a lower-case tag (a-z 0-9 - _ . /)");
  }
  if (const Field* scope = map.Find("scope")) {
    const MapReader s(*scope, {"hosts", "routes"}, kNoLaterKeys);
    auto non_empty = [](std::string_view v) { return !v.empty(); };
    if (const Field* hosts = s.Find("hosts")) {
      for (std::string& h : ReadStrings(*hosts, non_empty, "a host name")) {
        sig.hosts.push_back(Lower(h));
      }
    }
    if (const Field* routes = s.Find("routes")) {
      sig.routes = ReadStrings(*routes, non_empty, "a route name");
    }
  }
  if (!ok) return std::nullopt;
  return sig;
}

}  // namespace

PackResult ParsePack(const std::string& text, const std::string& file) {
  config::Diagnostics diag(file);
  Pack pack;
  pack.file = file;
  if (auto root = config::ParseDocument(text, &diag)) {
    const MapReader map(*root, {"pack", "description", "opt_in", "signatures"}, kNoLaterKeys);
    if (const Field* name = map.Require("pack")) {
      if (auto v = name->AsString()) {
        if (IsPackName(*v)) {
          pack.name = std::move(*v);
        } else {
          name->Fail("expected a name of lower-case letters, digits and '-'");
        }
      }
    }
    map.ReadString("description", &pack.description);
    map.ReadBool("opt_in", &pack.opt_in);
    std::map<uint32_t, int> lines;  // id -> line, for duplicates within the file
    if (const Field* sigs = map.Require("signatures")) {
      if (auto items = sigs->AsList()) {
        for (const Field& item : *items) {
          auto sig = ReadSignature(item);
          if (!sig) continue;
          if (sig->id != 0) {
            auto [it, inserted] = lines.emplace(sig->id, sig->line);
            if (!inserted) {
              item.Fail("id " + std::to_string(sig->id) + " already defined at line " +
                        std::to_string(it->second));
              continue;
            }
          }
          pack.signatures.push_back(std::move(*sig));
        }
      }
    }
  }
  if (!diag.empty()) return diag.SortedMessages();
  return pack;
}

PackResult LoadPackFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::vector<std::string>{path + ":0: cannot read the file"};
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePack(text.str(), path);
}

std::variant<std::vector<Pack>, std::vector<std::string>> LoadPackDir(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  if (ec) return std::vector<std::string>{dir + ":0: cannot list the directory: " + ec.message()};
  std::sort(files.begin(), files.end());
  std::vector<Pack> packs;
  std::vector<std::string> errors;
  std::map<uint32_t, const Signature*> ids;
  std::map<std::string, std::string> names;  // pack name -> file
  for (const std::string& file : files) {
    PackResult result = LoadPackFile(file);
    if (auto* errs = std::get_if<std::vector<std::string>>(&result)) {
      errors.insert(errors.end(), errs->begin(), errs->end());
      continue;
    }
    packs.push_back(std::get<Pack>(std::move(result)));
  }
  for (const Pack& pack : packs) {
    if (auto [it, inserted] = names.emplace(pack.name, pack.file); !inserted) {
      errors.push_back(pack.file + ":1: pack: '" + pack.name + "' is also the name of " +
                       it->second);
    }
    for (const Signature& sig : pack.signatures) {
      auto [it, inserted] = ids.emplace(sig.id, &sig);
      if (!inserted) {
        errors.push_back(sig.file + ":" + std::to_string(sig.line) + ": id " +
                         std::to_string(sig.id) + " already defined at " + it->second->file + ":" +
                         std::to_string(it->second->line));
      }
    }
  }
  if (!errors.empty()) return errors;
  return packs;
}

}  // namespace rampart::signatures
