#include "support/metrics.h"

#include <cmath>
#include <cstdlib>

namespace rampart::test {
namespace {

bool Matches(const Sample& s, std::string_view name, const Labels& labels) {
  if (s.name != name) return false;
  for (const auto& [k, v] : labels) {
    bool found = false;
    for (const auto& [sk, sv] : s.labels) {
      if (sk == k && sv == v) found = true;
    }
    if (!found) return false;
  }
  return true;
}

// Parses `{k="v",...}` starting at line[pos] == '{'; advances pos past '}'.
bool ParseLabels(std::string_view line, size_t& pos, Labels& out) {
  ++pos;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == ',')) ++pos;
    if (pos < line.size() && line[pos] == '}') {
      ++pos;
      return true;
    }
    size_t eq = line.find('=', pos);
    if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
      return false;
    }
    std::string key(line.substr(pos, eq - pos));
    std::string value;
    pos = eq + 2;
    bool closed = false;
    while (pos < line.size()) {
      char c = line[pos++];
      if (c == '\\' && pos < line.size()) {
        char e = line[pos++];
        value += e == 'n' ? '\n' : e;
      } else if (c == '"') {
        closed = true;
        break;
      } else {
        value += c;
      }
    }
    if (!closed) return false;
    out.emplace_back(std::move(key), std::move(value));
  }
  return false;
}

}  // namespace

std::vector<Sample> ParseMetrics(std::string_view text) {
  std::vector<Sample> samples;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    Sample s;
    size_t pos = line.find_first_of("{ ");
    if (pos == std::string_view::npos) continue;
    s.name = std::string(line.substr(0, pos));
    if (line[pos] == '{' && !ParseLabels(line, pos, s.labels)) continue;
    while (pos < line.size() && line[pos] == ' ') ++pos;
    std::string number(line.substr(pos, line.find(' ', pos) - pos));
    if (number.empty()) continue;
    if (number == "+Inf") {
      s.value = INFINITY;
    } else if (number == "-Inf") {
      s.value = -INFINITY;
    } else {
      char* end = nullptr;
      s.value = std::strtod(number.c_str(), &end);
      if (end == number.c_str()) continue;
    }
    samples.push_back(std::move(s));
  }
  return samples;
}

std::optional<double> MetricValue(std::string_view text, std::string_view name,
                                  const Labels& labels) {
  for (const Sample& s : ParseMetrics(text)) {
    if (Matches(s, name, labels)) return s.value;
  }
  return std::nullopt;
}

double MetricSum(std::string_view text, std::string_view name, const Labels& labels) {
  double sum = 0;
  for (const Sample& s : ParseMetrics(text)) {
    if (Matches(s, name, labels)) sum += s.value;
  }
  return sum;
}

bool HasMetric(std::string_view text, std::string_view name) {
  for (const Sample& s : ParseMetrics(text)) {
    if (s.name == name) return true;
  }
  return false;
}

}  // namespace rampart::test
