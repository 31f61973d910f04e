#pragma once
// Verified good bots: crawlers whose operators publish the addresses they crawl from (Googlebot,
// Bingbot, ...). A client passes as one only when its user-agent names the bot AND its address
// is in the bot's ranges — the user-agent alone is what every scraper claims. The list is a YAML
// file (rules/good-bots.yaml) the operator updates:
//   bots:
//     - name: Googlebot
//       user_agent: Googlebot              # a substring of the User-Agent, any case
//       ranges: [66.249.64.0/19]            # CIDRs, and/or
//       ranges_file: good-bots/google.txt   # a list file (one CIDR a line), relative to the YAML

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/ip_range_set.h"

namespace rampart::bot {

class GoodBots {
 public:
  struct Bot {
    std::string name;
    std::string user_agent;  // lower case
    net::IpRangeSet ranges;
  };

  // Reads `path` and the range files it names. Errors are "file:line: path: reason".
  static std::variant<std::shared_ptr<const GoodBots>, std::vector<std::string>> Load(
      const std::string& path);
  static std::variant<std::shared_ptr<const GoodBots>, std::vector<std::string>> Parse(
      const std::string& text, const std::string& file);

  // The bot `user_agent` names when `ip` is in its ranges; nullopt otherwise.
  std::optional<std::string_view> Match(std::string_view user_agent,
                                        const net::IpAddress& ip) const;

  const std::vector<Bot>& bots() const { return bots_; }
  // The range files read, for the file watch.
  const std::vector<std::string>& files() const { return files_; }

 private:
  std::vector<Bot> bots_;
  std::vector<std::string> files_;
};

}  // namespace rampart::bot
