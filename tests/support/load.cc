#include "support/load.h"

#include <optional>
#include <utility>

#include "support/client.h"

namespace rampart::test {

Load::Load(LoadOptions options) : options_(std::move(options)) {
  threads_.reserve(static_cast<size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this, i] { Run(i); });
}

Load::~Load() { Stop(); }

void Load::Stop() {
  stop_ = true;
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Load::Run(int thread) {
  Client c;
  Deadline deadline = DeadlineIn(options_.max_duration);
  for (uint64_t n = 0; !stop_ && Clock::now() < deadline; ++n) {
    if (n > 0 && options_.pace.count() > 0) std::this_thread::sleep_for(options_.pace);
    if (!c.connected() &&
        !c.ConnectFrom(options_.source_ip, options_.port, options_.request_timeout)) {
      Add({Clock::now(), 0, ""}, "connect: " + c.error());
      continue;
    }
    std::string target = options_.target ? options_.target(thread, n) : "/load";
    std::optional<HttpResponse> r =
        c.Request(options_.method, target, options_.headers, {}, options_.request_timeout);
    if (!r) {
      Add({Clock::now(), 0, ""}, target + ": " + c.error());
      c.Close();
      continue;
    }
    std::string problem;
    if (r->status != 200) problem = target + ": status " + std::to_string(r->status);
    Add({Clock::now(), r->status, r->Header("X-Origin-Name").value_or("")}, problem);
    // A server may close a keep-alive connection after a response that says so.
    if (HeaderHasToken(r->headers, "Connection", "close")) c.Close();
  }
}

void Load::Add(LoadSample sample, const std::string& problem) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_.total;
    if (sample.status == 0) {
      ++counts_.errors;
    } else {
      ++counts_.statuses[sample.status];
    }
    if (!sample.origin.empty()) ++counts_.origins[sample.origin];
    if (!problem.empty() && counts_.first_problem.empty()) counts_.first_problem = problem;
    samples_.push_back(std::move(sample));
  }
  cv_.notify_all();
}

LoadCounts Load::Counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

std::vector<LoadSample> Load::Samples() const {
  std::lock_guard<std::mutex> lock(mu_);
  return samples_;
}

std::map<std::string, size_t> Load::OriginsBetween(Clock::time_point from,
                                                   Clock::time_point to) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, size_t> by_origin;
  for (const LoadSample& s : samples_) {
    if (s.at >= from && s.at < to && !s.origin.empty()) ++by_origin[s.origin];
  }
  return by_origin;
}

bool Load::WaitFor(const std::function<bool(const LoadCounts&)>& done, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] { return done(counts_); });
}

bool Load::WaitForMore(size_t n, Timeout timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  size_t target = counts_.total + n;
  return cv_.wait_until(lock, DeadlineIn(timeout), [&] { return counts_.total >= target; });
}

}  // namespace rampart::test
