#pragma once
// OffloadTicket: how a job on the offload pool tells its session, on another thread, that it
// is done. The session owns the event; Abandon() (the session is closing) guarantees that the
// pool thread never touches it again, so the session may free it right after.

#include <event2/event.h>

#include <mutex>

namespace rampart::proxy {

class OffloadTicket {
 public:
  explicit OffloadTicket(event* wake) : wake_(wake) {}

  // Pool thread, after the job: wakes the session's loop (libevent is built thread-safe:
  // evthread_use_pthreads runs before any event base exists).
  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    if (wake_ != nullptr) event_active(wake_, EV_TIMEOUT, 0);
  }
  // Worker thread.
  bool finished() {
    std::lock_guard<std::mutex> lock(mutex_);
    return finished_;
  }
  void Abandon() {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_ = nullptr;
  }
  // Pool thread: nobody waits for the job any more.
  bool abandoned() {
    std::lock_guard<std::mutex> lock(mutex_);
    return wake_ == nullptr;
  }

 private:
  std::mutex mutex_;
  event* wake_;
  bool finished_ = false;
};

}  // namespace rampart::proxy
