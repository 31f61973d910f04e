#include "compress/encoding.h"

#include <array>

#include "core/strings.h"

namespace rampart::compress {
namespace {

using core::EqualsIgnoreCase;
using core::TrimOws;

constexpr int kNotNamed = -1;
constexpr int kFullWeight = 1000;  // weights are kept in thousandths: q has 3 decimals at most
// Identity is acceptable unless refused (RFC 9110 §12.5.3), but below any coding the client
// asked for.
constexpr int kImplicitIdentityWeight = 1;
constexpr size_t kEncodingCount = 4;

// The weight a coding's element gives it in thousandths, nullopt when the element has a
// malformed q. qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
std::optional<int> ParseQValue(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return std::nullopt;
  const int whole = text[0] - '0';
  std::string_view rest = text.substr(1);
  if (rest.empty()) return whole * kFullWeight;
  if (rest[0] != '.' || rest.size() > 4) return std::nullopt;
  int thousandths = 0;
  int scale = 100;
  for (char c : rest.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    thousandths += (c - '0') * scale;
    scale /= 10;
  }
  if (whole == 1 && thousandths != 0) return std::nullopt;
  return whole * kFullWeight + thousandths;
}

// The weight of one list element ("gzip;q=0.5"): its q, 1 without one; nullopt when a q is
// malformed. Parameters other than q are not part of Accept-Encoding and are ignored.
std::optional<int> ElementWeight(std::string_view parameters) {
  int weight = kFullWeight;
  while (!parameters.empty()) {
    const size_t semicolon = parameters.find(';');
    const std::string_view parameter = TrimOws(parameters.substr(0, semicolon));
    parameters =
        semicolon == std::string_view::npos ? std::string_view() : parameters.substr(semicolon + 1);
    const size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(TrimOws(parameter.substr(0, equals)), "q")) continue;
    const std::optional<int> q = ParseQValue(TrimOws(parameter.substr(equals + 1)));
    if (!q) return std::nullopt;
    weight = *q;
  }
  return weight;
}

// The weights an Accept-Encoding value gives: per coding named, and to "*".
struct Weights {
  std::array<int, kEncodingCount> named;
  int any = kNotNamed;

  Weights() { named.fill(kNotNamed); }

  // The weight of `encoding`: its own, else "*"'s; 0 for a coding the value does not accept.
  int Of(Encoding encoding) const {
    const int own = named[static_cast<size_t>(encoding)];
    if (own != kNotNamed) return own;
    if (any != kNotNamed) return any;
    return encoding == Encoding::kIdentity ? kImplicitIdentityWeight : 0;
  }
};

Weights ParseAcceptEncoding(std::string_view value) {
  Weights weights;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    const std::string_view element = TrimOws(value.substr(0, comma));
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    const size_t semicolon = element.find(';');
    const std::string_view token = TrimOws(element.substr(0, semicolon));
    if (token.empty()) continue;  // the list syntax allows empty elements
    const std::optional<int> weight = ElementWeight(
        semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1));
    if (!weight) continue;
    int* slot = nullptr;
    if (token == "*") {
      slot = &weights.any;
    } else if (EqualsIgnoreCase(token, "gzip") || EqualsIgnoreCase(token, "x-gzip")) {
      slot = &weights.named[static_cast<size_t>(Encoding::kGzip)];
    } else if (EqualsIgnoreCase(token, "br")) {
      slot = &weights.named[static_cast<size_t>(Encoding::kBrotli)];
    } else if (EqualsIgnoreCase(token, "zstd")) {
      slot = &weights.named[static_cast<size_t>(Encoding::kZstd)];
    } else if (EqualsIgnoreCase(token, "identity")) {
      slot = &weights.named[static_cast<size_t>(Encoding::kIdentity)];
    } else {
      continue;  // a coding we never produce (deflate, compress, ...)
    }
    if (*weight > *slot) *slot = *weight;
  }
  return weights;
}

}  // namespace

std::string_view EncodingToken(Encoding encoding) {
  switch (encoding) {
    case Encoding::kIdentity:
      return "identity";
    case Encoding::kGzip:
      return "gzip";
    case Encoding::kBrotli:
      return "br";
    case Encoding::kZstd:
      return "zstd";
  }
  return "identity";
}

std::optional<Encoding> EncodingFromName(std::string_view name) {
  if (name == "gzip") return Encoding::kGzip;
  if (name == "br" || name == "brotli") return Encoding::kBrotli;
  if (name == "zstd") return Encoding::kZstd;
  return std::nullopt;
}

Encoding ChooseEncoding(std::string_view accept_encoding, std::span<const Encoding> offered) {
  const Weights weights = ParseAcceptEncoding(accept_encoding);
  Encoding best = Encoding::kIdentity;
  int best_weight = 0;
  for (Encoding encoding : offered) {
    const int weight = weights.Of(encoding);
    if (weight > best_weight) {  // strictly greater: on a tie the earlier offer stays
      best = encoding;
      best_weight = weight;
    }
  }
  return best;
}

std::string AcceptedEncodingsKey(std::string_view accept_encoding,
                                 std::span<const Encoding> offered) {
  return std::string(EncodingToken(ChooseEncoding(accept_encoding, offered)));
}

}  // namespace rampart::compress
