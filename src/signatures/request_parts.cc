#include "signatures/request_parts.h"

#include <algorithm>
#include <utility>

#include "signatures/normalize.h"

namespace rampart::signatures {
namespace {

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Built field by field: GCC 12 at -O3 reports the temporaries of an aggregate
// initialisation as maybe-uninitialised.
void Add(std::vector<PartValue>& out, Part part, std::string value, std::string header = {},
         std::string source_header = {}) {
  PartValue& v = out.emplace_back();
  v.where.part = part;
  v.where.header = std::move(header);
  v.value = std::move(value);
  v.source_header = std::move(source_header);
}

std::string Clean(std::string s) {
  RemoveNul(s);
  return s;
}

// "a=1&b=2" into names and values, decoded as query strings are.
void AddArguments(std::string_view text, const Database& db, std::vector<PartValue>& out) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      const size_t eq = pair.find('=');
      const std::string_view name = pair.substr(0, eq);
      const std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      if (db.Uses(Part::kArgNames)) {
        Add(out, Part::kArgNames, Clean(PercentDecode(name, true)));
      }
      if (db.Uses(Part::kArgValues)) {
        Add(out, Part::kArgValues, Clean(DecodeHtmlEntities(PercentDecode(value, true))));
      }
    }
    start = end + 1;
  }
}

}  // namespace

std::vector<PartValue> NormaliseParts(const RequestView& request, const Database& db) {
  std::vector<PartValue> out;
  const size_t q = request.target.find('?');
  const std::string_view path = request.target.substr(0, q);
  const std::string_view query =
      q == std::string_view::npos ? std::string_view() : request.target.substr(q + 1);
  if (db.Uses(Part::kPath)) {
    Add(out, Part::kPath, NormalizePath(Clean(PercentDecode(path, false))));
  }
  if (db.Uses(Part::kQuery) && !query.empty()) {
    Add(out, Part::kQuery, Clean(PercentDecode(query, true)));
  }
  const bool args = db.Uses(Part::kArgNames) || db.Uses(Part::kArgValues);
  if (args) AddArguments(query, db, out);
  bool form = false;
  if (request.headers != nullptr) {
    for (const http::Header& h : *request.headers) {
      if (db.Uses(Part::kHeaders)) Add(out, Part::kHeaders, Clean(h.value), {}, Lower(h.name));
      if (db.Uses(Part::kHeader)) {
        const std::string name = Lower(h.name);
        const auto& names = db.header_names();
        if (std::find(names.begin(), names.end(), name) != names.end()) {
          Add(out, Part::kHeader, Clean(h.value), name);
        }
      }
      if (db.Uses(Part::kUserAgent) && EqualsNoCase(h.name, "User-Agent")) {
        Add(out, Part::kUserAgent, Clean(h.value));
      }
      if (db.Uses(Part::kCookies) && EqualsNoCase(h.name, "Cookie")) {
        std::string_view rest = h.value;
        while (!rest.empty()) {
          const size_t semi = rest.find(';');
          std::string_view pair = rest.substr(0, semi);
          while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
          if (!pair.empty()) {
            Add(out, Part::kCookies, Clean(PercentDecode(pair, false)));
          }
          if (semi == std::string_view::npos) break;
          rest.remove_prefix(semi + 1);
        }
      }
      if (EqualsNoCase(h.name, "Content-Type")) {
        const std::string type = Lower(h.value.substr(0, h.value.find(';')));
        form = type.find("application/x-www-form-urlencoded") != std::string::npos;
      }
    }
  }
  if (args && form) AddArguments(request.body, db, out);
  if (db.Uses(Part::kBody) && !request.body.empty()) {
    Add(out, Part::kBody, Clean(std::string(request.body)));
  }
  return out;
}

std::vector<uint32_t> ScanParts(const std::vector<PartValue>& parts, const Database& db,
                                Database::Scratch& scratch) {
  std::vector<uint32_t> matched;
  for (const PartValue& p : parts) db.Scan(p.where, p.value, scratch, matched);
  std::sort(matched.begin(), matched.end());
  matched.erase(std::unique(matched.begin(), matched.end()), matched.end());
  return matched;
}

}  // namespace rampart::signatures
