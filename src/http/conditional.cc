#include "http/conditional.h"

#include <array>
#include <chrono>

#include "core/strings.h"
#include "http/http_date.h"

namespace rampart::http {

namespace {

// An entity-tag (RFC 9110 §8.8.3) split into its weakness and its opaque-tag (quotes included).
struct EntityTag {
  bool weak = false;
  std::string_view opaque;
};

bool IsOws(char c) { return c == ' ' || c == '\t'; }

// Parses one entity-tag at the start of `text`; on success advances `text` past it.
std::optional<EntityTag> TakeEntityTag(std::string_view& text) {
  EntityTag tag;
  std::string_view rest = text;
  if (core::StartsWith(rest, "W/")) {
    tag.weak = true;
    rest.remove_prefix(2);
  }
  if (rest.empty() || rest.front() != '"') return std::nullopt;
  const size_t close = rest.find('"', 1);
  if (close == std::string_view::npos) return std::nullopt;
  tag.opaque = rest.substr(0, close + 1);
  text = rest.substr(close + 1);
  return tag;
}

// The representation's own tag; nullopt when it has none or it is not a valid entity-tag (such a
// tag can match nothing).
std::optional<EntityTag> OwnTag(std::string_view etag) {
  std::string_view text = core::TrimOws(etag);
  std::optional<EntityTag> tag = TakeEntityTag(text);
  if (!tag || !text.empty()) return std::nullopt;
  return tag;
}

// Calls `fn(star, tag)` for each member of every `name` field ("*" or an entity-tag) until `fn`
// returns true; returns whether it did. Commas may sit inside a quoted tag, so the list is scanned
// rather than split. A malformed member is skipped up to the next comma: it matches nothing.
template <typename Fn>
bool AnyListMember(const HeaderMap& request, std::string_view name, Fn&& fn) {
  for (const Header& field : request) {
    if (!core::EqualsIgnoreCase(field.name, name)) continue;
    std::string_view rest = field.value;
    while (true) {
      while (!rest.empty() && (IsOws(rest.front()) || rest.front() == ',')) rest.remove_prefix(1);
      if (rest.empty()) break;
      bool star = false;
      std::optional<EntityTag> tag;
      if (rest.front() == '*') {
        star = true;
        rest.remove_prefix(1);
      } else {
        tag = TakeEntityTag(rest);
      }
      while (!rest.empty() && IsOws(rest.front())) rest.remove_prefix(1);
      const bool well_formed = (star || tag) && (rest.empty() || rest.front() == ',');
      if (well_formed && fn(star, tag.value_or(EntityTag{}))) return true;
      if (!well_formed) {
        const size_t comma = rest.find(',');
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
      }
    }
  }
  return false;
}

bool StrongMatch(const std::optional<EntityTag>& own, const EntityTag& other) {
  return own && !own->weak && !other.weak && own->opaque == other.opaque;
}

bool WeakMatch(const std::optional<EntityTag>& own, const EntityTag& other) {
  return own && own->opaque == other.opaque;
}

// The date of a field that must appear once and hold one HTTP-date; nullopt when it is absent or
// invalid, which RFC 9110 §13.1.3 and §13.1.4 say to treat as absent.
std::optional<int64_t> SingleDate(const HeaderMap& request, std::string_view name) {
  if (request.Count(name) != 1) return std::nullopt;
  return ParseHttpDate(core::TrimOws(*request.Get(name)));
}

// RFC 9110 §13.1.1: If-Match holds when "*" is present or a listed tag strongly matches.
bool IfMatchHolds(const HeaderMap& request, const std::optional<EntityTag>& own) {
  return AnyListMember(request, "if-match", [&](bool star, const EntityTag& tag) {
    return star || StrongMatch(own, tag);
  });
}

// RFC 9110 §13.1.2: If-None-Match holds unless "*" is present or a listed tag weakly matches.
bool IfNoneMatchHolds(const HeaderMap& request, const std::optional<EntityTag>& own) {
  return !AnyListMember(request, "if-none-match", [&](bool star, const EntityTag& tag) {
    return star || WeakMatch(own, tag);
  });
}

}  // namespace

Precondition EvaluatePreconditions(std::string_view method, const HeaderMap& request,
                                   std::string_view etag, std::optional<int64_t> last_modified,
                                   int64_t now) {
  const std::optional<EntityTag> own = OwnTag(etag);
  const bool get_or_head = method == "GET" || method == "HEAD";

  if (request.Get("if-match") != nullptr) {
    if (!IfMatchHolds(request, own)) return Precondition::kFailed;
  } else if (last_modified) {
    // Without a modification date If-Unmodified-Since cannot be evaluated and is ignored.
    const std::optional<int64_t> since = SingleDate(request, "if-unmodified-since");
    if (since && *last_modified > *since) return Precondition::kFailed;
  }

  if (request.Get("if-none-match") != nullptr) {
    if (!IfNoneMatchHolds(request, own)) {
      return get_or_head ? Precondition::kNotModified : Precondition::kFailed;
    }
  } else if (get_or_head && last_modified) {
    // A date later than now cannot be a date the client saw the representation at, so it is
    // invalid (RFC 7232 §3.3) and would otherwise pin a stale copy.
    const std::optional<int64_t> since = SingleDate(request, "if-modified-since");
    if (since && *since <= now && *last_modified <= *since) return Precondition::kNotModified;
  }
  return Precondition::kProceed;
}

Precondition EvaluatePreconditions(std::string_view method, const HeaderMap& request,
                                   std::string_view etag, std::optional<int64_t> last_modified) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return EvaluatePreconditions(method, request, etag, last_modified, now);
}

bool IfRangeAllows(const HeaderMap& request, std::string_view etag,
                   std::optional<int64_t> last_modified) {
  const size_t count = request.Count("if-range");
  if (count == 0) return true;
  if (count > 1) return false;
  std::string_view value = core::TrimOws(*request.Get("if-range"));
  // RFC 9110 §13.1.5: a DQUOTE within the first three characters marks an entity-tag.
  if (value.substr(0, 3).find('"') != std::string_view::npos) {
    const std::optional<EntityTag> tag = TakeEntityTag(value);
    return tag && value.empty() && StrongMatch(OwnTag(etag), *tag);
  }
  const std::optional<int64_t> date = ParseHttpDate(value);
  return date && last_modified && *date == *last_modified;
}

void CopyNotModifiedFields(const HeaderMap& from, HeaderMap& to) {
  if (&from == &to) return;
  static constexpr std::array<std::string_view, 7> kFields = {
      "Cache-Control", "Content-Location", "Date", "ETag", "Expires", "Vary", "Last-Modified"};
  for (std::string_view name : kFields) {
    if (from.Get(name) == nullptr) continue;
    to.Remove(name);
    for (const Header& field : from) {
      if (core::EqualsIgnoreCase(field.name, name)) to.Add(field.name, field.value);
    }
  }
}

}  // namespace rampart::http
