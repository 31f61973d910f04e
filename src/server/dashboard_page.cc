#include "server/dashboard_page.h"

#include <random>
#include <string_view>

namespace rampart::server {

extern const std::string_view kDashboardHtml;

namespace {

constexpr std::string_view kNoncePlaceholder = "{{nonce}}";

// 128 random bits as hex: a CSP nonce must not be guessable by a page that injects markup.
std::string NewNonce() {
  std::random_device random;  // the kernel's CSPRNG on Linux
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 4; ++i) {
    const uint32_t word = random();
    for (int shift = 28; shift >= 0; shift -= 4) out += kHex[(word >> shift) & 0xf];
  }
  return out;
}

}  // namespace

DashboardPage RenderDashboardPage() {
  const std::string nonce = NewNonce();
  DashboardPage page;
  page.html.reserve(kDashboardHtml.size() + 256);
  size_t start = 0;
  while (true) {
    const size_t found = kDashboardHtml.find(kNoncePlaceholder, start);
    page.html.append(kDashboardHtml.substr(start, found - start));
    if (found == std::string_view::npos) break;
    page.html += nonce;
    start = found + kNoncePlaceholder.size();
  }
  page.content_security_policy =
      "default-src 'none'; script-src 'nonce-" + nonce + "'; style-src 'nonce-" + nonce +
      "'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
      "form-action 'none'";
  return page;
}

}  // namespace rampart::server
