#include "cache/fill_collapser.h"

#include <utility>

namespace rampart::cache {

bool FillCollapser::Join(const std::string& key, std::function<void()> wake) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = waiters_.try_emplace(key);
  if (inserted) return true;
  if (wake) it->second.push_back(std::move(wake));
  return false;
}

void FillCollapser::Finish(const std::string& key) {
  std::vector<std::function<void()>> wakes;
  {
    std::lock_guard lock(mu_);
    auto it = waiters_.find(key);
    if (it == waiters_.end()) return;
    wakes = std::move(it->second);
    waiters_.erase(it);
  }
  for (auto& wake : wakes) wake();
}

size_t FillCollapser::in_flight() const {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace rampart::cache
