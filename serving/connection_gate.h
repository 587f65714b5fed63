// serve's front door: the listening socket, the accept loop, a fixed pool of connection workers behind a
// bounded queue, and a watchdog, so that a server facing more clients than it has workers still answers
// every one of them within a deadline instead of leaving them to hang.
//
// - An accepted connection waits in a queue of at most `max_queue` for one of `workers` threads, which
//   serve it (keep-alive requests included) through `serve_connection(fd)`, which closes the fd.
// - When the queue is full, or a connection waited longer than `request_timeout` for a worker, it is
//   answered `busy_answer` (serve's 503 with Retry-After) without its request being read, and closed
//   gracefully (the request is drained first, so the client reads the answer rather than a reset). With
//   busy_answer empty (TLS, where a plain-text answer means nothing), such a connection is closed.
// - The watchdog closes a connection whose request is not answered within request_timeout of the moment
//   the connection began waiting for it (slow or stalled senders, including slowloris headers); a
//   handler that answers within the deadline is never cut.
// - While connections are queued, busy() is true: handlers then ask keep-alive clients to reconnect
//   ("Connection: close"), so one client cannot hold a worker while others wait.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace attune::serving {

struct GateOptions {
  int workers = 32;                                  // connections served at once
  std::size_t max_queue = 128;                       // connections waiting for a worker; busy_answer above
  std::chrono::milliseconds request_timeout{10000};  // from waiting for a request to its answer
  int backlog = 1024;                                // the kernel's queue of connections not yet accepted
  std::string busy_answer;                           // raw HTTP bytes sent to connections turned away
};

struct GateCounts {
  std::uint64_t accepted = 0;     // connections accepted
  std::uint64_t turned_away = 0;  // answered busy_answer (or closed) because the queue was full or slow
  std::uint64_t timed_out = 0;    // closed by the watchdog
};

class ConnectionGate {
 public:
  // serve_connection(fd): serves one connection until it ends, then closes fd.
  ConnectionGate(GateOptions options, std::function<void(int fd)> serve_connection);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  // Creates the listening socket on host:port (0: any free port) and returns the port; InputError when
  // it cannot. The fd is listening_fd() until stop().
  int bind(const std::string& host, int port);
  int listening_fd() const { return listen_fd_; }
  // Accepts and serves until stop(); then closes the listening socket, lets the workers finish the
  // connections they hold (keep-alive loops end after their current request) and joins them. Returns
  // false if the listening socket failed.
  bool run();
  // Safe from any thread (and from a signal-handling thread), before or during run(). Connections idle
  // between keep-alive requests are closed at once; requests being answered are finished.
  void stop();

  // On a worker thread, around each request: the watchdog's deadline runs from request_waiting() (called
  // by the gate when a connection starts, and by the server after each answer) to the answer.
  static void request_waiting();
  // On a worker thread, once a request's headers are in: stop() now lets it be answered.
  static void request_started();
  // The time left to the current request's deadline on this worker thread (a handler's own limit).
  static std::chrono::milliseconds time_left();

  // Whether connections are waiting for a worker now.
  bool busy() const { return queued_.load() > 0; }
  GateCounts counts() const;

 private:
  struct Waiting {
    int fd;
    std::chrono::steady_clock::time_point since;
  };
  struct Active {
    int fd;
    std::chrono::steady_clock::time_point deadline;
    bool idle = true;  // waiting for a request that has not begun: stop() ends the connection at once
  };
  void work();
  void watch();
  void turn_away(int fd);
  void linger();

  GateOptions options_;
  std::function<void(int)> serve_connection_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> workers_done_{false};
  int wake_pipe_[2] = {-1, -1};  // stop() wakes the accept loop

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<Waiting> queue_;
  std::atomic<std::size_t> queued_{0};
  std::vector<std::thread> workers_;

  // Connections being served, by worker slot (the watchdog's view).
  std::mutex active_mutex_;
  std::map<std::size_t, Active> active_;
  std::thread watchdog_;
  std::condition_variable watchdog_wake_;

  // Turned-away connections being drained before close.
  std::mutex linger_mutex_;
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> lingering_;
  std::thread linger_thread_;

  std::atomic<std::uint64_t> accepted_{0}, turned_away_{0}, timed_out_{0};
};

}  // namespace attune::serving
