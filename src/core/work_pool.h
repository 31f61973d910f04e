#pragma once
// WorkPool: a few threads that run CPU-heavy jobs off the event loops, so that one slow job (a
// large request through libmodsecurity) never stalls the other connections of a worker. Jobs
// run in the order posted; a job must not throw. Destruction runs the jobs still queued, then
// joins the threads.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rampart::core {

class WorkPool {
 public:
  explicit WorkPool(size_t threads);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Any thread.
  void Post(std::function<void()> job);
  size_t threads() const { return threads_.size(); }

 private:
  void Run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace rampart::core
