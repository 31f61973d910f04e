#pragma once
// The dashboard page (src/server/dashboard.html, compiled in): one self-contained HTML file with
// its styles and script inline and no external assets. It holds no data — the page asks for the
// admin token and fetches everything from /api/ with it — so it is served without the token, with
// a per-response nonce and a Content-Security-Policy that lets only its own script and style run
// and only talk to this listener.

#include <string>

namespace rampart::server {

struct DashboardPage {
  std::string html;
  std::string content_security_policy;
};

// The page with a fresh nonce in its <script> and <style> tags, and the policy that names it.
DashboardPage RenderDashboardPage();

}  // namespace rampart::server
