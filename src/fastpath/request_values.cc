#include "fastpath/request_values.h"

#include <cctype>
#include <string>

#include "core/strings.h"

// The rules below are libmodsecurity 3.0.9's, each checked against the library (the
// differential test compares every variable with the transaction's own).
namespace rampart::fastpath {
namespace {

// Splits like std::getline: inner and leading empty pieces are kept, a trailing one is not.
std::vector<std::string_view> GetlineSplit(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(sep, pos);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

void AddCookies(std::string_view header, std::vector<Value>& out) {
  std::vector<std::string_view> pieces = GetlineSplit(header, ';');
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::string_view piece = pieces[i];
    if (i + 1 == pieces.size()) {
      while (!piece.empty() && IsSpace(piece.back())) piece.remove_suffix(1);
    }
    if (piece.empty()) continue;
    const size_t eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    while (!name.empty() && IsSpace(name.front())) name.remove_prefix(1);
    if (name.empty()) continue;
    std::string value =
        eq == std::string_view::npos ? std::string() : std::string(piece.substr(eq + 1));
    out.push_back({Variable::kRequestCookiesNames, std::string(name), std::string(name)});
    out.push_back({Variable::kRequestCookies, std::string(name), std::move(value)});
  }
}

// REQUEST_URI: an absolute-form target loses its scheme and authority (decided on the
// decoded text).
std::string RequestUri(const std::string& decoded) {
  if (decoded.empty() || decoded[0] == '/') return decoded;
  const size_t colon = decoded.find(':');
  if (colon == std::string::npos || decoded.compare(colon + 1, 2, "//") != 0) return decoded;
  const size_t slash = decoded.find('/', colon + 3);
  if (slash == std::string::npos) return decoded;
  return decoded.substr(slash);
}

// Splits urlencoded arguments (a query string or a form body) as libmodsecurity does.
struct ArgumentParse {
  size_t kept = 0;
  double combined = 0;   // ARGS_COMBINED_SIZE: names and values of the kept ones
  bool invalid = false;  // URLENCODED_ERROR: a bad escape, even in a dropped argument

  void Add(std::string_view text, size_t limit, Variable names, Variable values,
           std::vector<Value>& out) {
    for (std::string_view pair : GetlineSplit(text, '&')) {
      const size_t eq = pair.find('=');
      std::string key = core::PercentDecode(pair.substr(0, eq), true, &invalid);
      std::string value = eq == std::string_view::npos
                              ? std::string()
                              : core::PercentDecode(pair.substr(eq + 1), true, &invalid);
      if (kept >= limit) continue;
      ++kept;
      combined += static_cast<double>(key.size() + value.size());
      out.push_back({names, key, key});
      out.push_back({values, std::move(key), std::move(value)});
    }
  }
  // One argument a body processor made (JSON): named and valued already.
  void AddOne(const std::string& key, const std::string& value, size_t limit, Variable names,
              Variable values, std::vector<Value>& out) {
    if (kept >= limit) return;
    ++kept;
    combined += static_cast<double>(key.size() + value.size());
    out.push_back({names, key, key});
    out.push_back({values, key, value});
  }
  std::string CombinedSize() const { return kept == 0 ? std::string() : std::to_string(combined); }
};

}  // namespace

std::vector<Value> ExtractValues(const RequestHead& head, size_t arguments_limit) {
  std::vector<Value> out;
  out.reserve(24 + 3 * head.headers.size());
  const std::string protocol = "HTTP/" + std::string(head.http_version);
  const std::string_view raw = head.uri;
  const std::string_view u = raw.substr(0, raw.find('#'));
  const std::string decoded = core::PercentDecode(u, false);  // uri_decode: '+' stays
  const std::string path = decoded.substr(0, decoded.find('?'));

  out.push_back({Variable::kRequestMethod, {}, std::string(head.method)});
  out.push_back({Variable::kRequestProtocol, {}, protocol});
  out.push_back({Variable::kRequestLine,
                 {},
                 std::string(head.method) + " " + std::string(raw) + " " + protocol});
  out.push_back({Variable::kRequestUriRaw, {}, std::string(raw)});
  out.push_back({Variable::kRequestUri, {}, RequestUri(decoded)});
  const size_t slash = path.find_last_of("/\\");
  out.push_back({Variable::kRequestBasename,
                 {},
                 slash == std::string::npos ? std::string() : path.substr(slash + 1)});
  out.push_back({Variable::kPathInfo, {}, path});
  out.push_back({Variable::kRequestFilename, {}, path});

  const size_t question = u.find('?');
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : u.substr(question + 1);
  out.push_back({Variable::kQueryString, {}, std::string(query)});
  ArgumentParse args;
  args.Add(query, arguments_limit, Variable::kArgsGetNames, Variable::kArgsGet, out);
  out.push_back({Variable::kArgsCombinedSize, {}, args.CombinedSize()});
  out.push_back({Variable::kUrlencodedError, {}, args.invalid ? "1" : "0"});
  if (head.body_kind == BodyKind::kForm) {
    // Phase 2 adds the form's arguments, counted with the query's.
    args.Add(head.body, arguments_limit, Variable::kArgsPostNames, Variable::kArgsPost, out);
    out.push_back({Variable::kArgsCombinedSize, {}, args.CombinedSize()});
    out.push_back({Variable::kUrlencodedError, {}, args.invalid ? "1" : "0"});
    out.push_back({Variable::kReqbodyProcessor, {}, "URLENCODED"});
  } else if (head.body_kind == BodyKind::kJson) {
    // Phase 2 adds the JSON arguments (to ARGS only), counted with the query's; the processor
    // is "" in phase 1 until the switching rule has run.
    if (head.json != nullptr) {
      for (const JsonArgument& a : *head.json) {
        args.AddOne(a.name, a.value, arguments_limit, Variable::kArgsPostNames, Variable::kArgsPost,
                    out);
      }
    }
    out.push_back({Variable::kArgsCombinedSize, {}, args.CombinedSize()});
    out.push_back({Variable::kReqbodyProcessor, {}, {}});
    out.push_back({Variable::kReqbodyProcessor, {}, "JSON"});
  }
  if (head.body_kind != BodyKind::kNone) {
    out.push_back({Variable::kRequestBody, {}, {}});
    out.push_back({Variable::kRequestBodyLength, {}, {}});
    if (!head.body.empty()) {
      out.push_back({Variable::kRequestBody, {}, std::string(head.body)});
      out.push_back({Variable::kRequestBodyLength, {}, std::to_string(head.body.size())});
    }
  }

  size_t full_length = 2;
  for (const auto& [name, value] : head.headers) {
    out.push_back({Variable::kRequestHeadersNames, std::string(name), std::string(name)});
    out.push_back({Variable::kRequestHeaders, std::string(name), std::string(value)});
    if (core::EqualsIgnoreCase(name, "Cookie")) AddCookies(value, out);
    full_length += name.size() + 2 + value.size() + 1;
  }
  out.push_back({Variable::kFullRequestLength, {}, {}});
  out.push_back({Variable::kFullRequestLength, {}, std::to_string(full_length + head.body.size())});
  out.push_back({Variable::kEmptyScalar, {}, {}});
  out.push_back({Variable::kZeroFlag, {}, {}});
  out.push_back({Variable::kZeroFlag, {}, "0"});
  return out;
}

}  // namespace rampart::fastpath
