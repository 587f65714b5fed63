// Process start-up and shutdown for the tools: SIGTERM / SIGINT turned into a stop request.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace attune::cli {

// SIGTERM / SIGINT as a stop request: a handler (any thread may run it) writes the signal to a pipe that a
// waiting thread reads, so no signal mask has to be set before threads start. One instance at a time;
// the previous handlers come back when it is destroyed.
class StopSignals {
 public:
  StopSignals();
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  // Calls `fn` (once) on the waiting thread when SIGTERM or SIGINT arrives.
  void on_signal(std::function<void()> fn);
  // Ends the waiting thread without calling fn (if no signal came yet). Idempotent; the destructor calls it.
  void stop_waiting();
  // The signal that arrived, 0 if none.
  int received() const { return received_; }

 private:
  int pipe_[2] = {-1, -1};
  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
  std::thread waiter_;
  std::atomic<int> received_{0};
};

}  // namespace attune::cli
