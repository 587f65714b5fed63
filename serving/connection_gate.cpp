#include "serving/connection_gate.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/errors.h"

namespace attune::serving {

namespace {

using Clock = std::chrono::steady_clock;

// A turned-away connection is read (and its bytes dropped) until the client closes it or this long has
// passed, so that closing it does not reset the connection before the client has read the answer.
constexpr auto kLingerFor = std::chrono::seconds(2);
// The watchdog cuts a connection this long after its deadline: a handler that stops waiting at the
// deadline has the time to write its own answer first.
constexpr auto kWatchdogGrace = std::chrono::milliseconds(1000);
// How often the watchdog and the lingering closer look.
constexpr auto kTick = std::chrono::milliseconds(50);
// Socket send/receive timeouts of a served connection: one stalled read or write ends it.
constexpr int kSocketTimeoutSeconds = 5;

// The worker thread's connection, for request_waiting() and time_left().
thread_local ConnectionGate* t_gate = nullptr;
thread_local std::size_t t_slot = 0;
thread_local Clock::time_point t_deadline = Clock::time_point::max();

void set_socket_timeouts(int fd) {
  timeval tv{};
  tv.tv_sec = kSocketTimeoutSeconds;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  const int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

}  // namespace

ConnectionGate::ConnectionGate(GateOptions options, std::function<void(int fd)> serve_connection)
    : options_(std::move(options)), serve_connection_(std::move(serve_connection)) {
  options_.workers = std::max(1, options_.workers);
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
    throw std::runtime_error(std::string("serve: pipe: ") + std::strerror(errno));
}

ConnectionGate::~ConnectionGate() {
  stop();
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  if (watchdog_.joinable()) watchdog_.join();
  if (linger_thread_.joinable()) linger_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  for (const auto& [fd, since] : lingering_) ::close(fd);
  for (int fd : wake_pipe_)
    if (fd >= 0) ::close(fd);
}

int ConnectionGate::bind(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  const auto where = host + ":" + std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    throw InputError("cannot listen on " + where + ": " + ::gai_strerror(rc));
  std::string why = "no address";
  for (auto* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, options_.backlog) == 0) {
      listen_fd_ = fd;
      break;
    }
    why = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0)
    throw InputError("cannot listen on " + where + " (" + why +
                     ": address in use, not an address of this machine, or no permission)");
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  return ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

bool ConnectionGate::run() {
  if (listen_fd_ < 0) throw std::logic_error("ConnectionGate::run before bind");
  for (int i = 0; i < options_.workers; ++i)
    workers_.emplace_back([this, i] {
      t_gate = this;
      t_slot = static_cast<std::size_t>(i);
      work();
    });
  watchdog_ = std::thread([this] { watch(); });
  linger_thread_ = std::thread([this] { linger(); });

  bool ok = true;
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (stopping_) break;
    if (!(fds[0].revents & POLLIN)) {
      if (fds[0].revents & (POLLERR | POLLNVAL)) {
        ok = false;
        break;
      }
      continue;
    }
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE)  // out of descriptors: let connections end, then retry
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      else if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
        ok = false;
      if (!ok) break;
      continue;
    }
    ++accepted_;
    set_socket_timeouts(fd);
    bool queued = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.size() < options_.max_queue) {
        queue_.push_back({fd, Clock::now()});
        queued_ = queue_.size();
        queued = true;
      }
    }
    if (queued)
      work_ready_.notify_one();
    else
      turn_away(fd);
  }

  // Stopping: connections still queued are told the server is busy; workers finish what they hold.
  stopping_ = true;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& w : queue_) turn_away(w.fd);
    queue_.clear();
    queued_ = 0;
  }
  work_ready_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
  workers_done_ = true;
  watchdog_wake_.notify_all();
  watchdog_.join();
  linger_thread_.join();
  ::close(listen_fd_);
  listen_fd_ = -1;
  return ok;
}

void ConnectionGate::stop() {
  if (stopping_.exchange(true)) return;
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(wake_pipe_[1], &byte, 1);
  work_ready_.notify_all();
  watchdog_wake_.notify_all();
  // A worker waiting for a keep-alive client's next request would otherwise hold the stop for the whole
  // keep-alive timeout: its read ends now (a connection with request bytes already sent keeps them).
  std::lock_guard<std::mutex> lock(active_mutex_);
  for (auto& [slot, a] : active_) {
    char peek = 0;
    if (a.idle && ::recv(a.fd, &peek, 1, MSG_PEEK | MSG_DONTWAIT) < 0 &&
        (errno == EAGAIN || errno == EWOULDBLOCK))
      ::shutdown(a.fd, SHUT_RD);
  }
}

void ConnectionGate::request_waiting() {
  if (t_gate == nullptr) return;
  t_deadline = Clock::now() + t_gate->options_.request_timeout;
  std::lock_guard<std::mutex> lock(t_gate->active_mutex_);
  const auto it = t_gate->active_.find(t_slot);
  if (it != t_gate->active_.end()) {
    it->second.deadline = t_deadline;
    it->second.idle = true;
  }
}

void ConnectionGate::request_started() {
  if (t_gate == nullptr) return;
  std::lock_guard<std::mutex> lock(t_gate->active_mutex_);
  const auto it = t_gate->active_.find(t_slot);
  if (it != t_gate->active_.end()) it->second.idle = false;
}

std::chrono::milliseconds ConnectionGate::time_left() {
  if (t_gate == nullptr || t_deadline == Clock::time_point::max()) return std::chrono::milliseconds::max();
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(t_deadline - Clock::now()));
}

void ConnectionGate::work() {
  for (;;) {
    Waiting next{};
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      next = queue_.front();
      queue_.pop_front();
      queued_ = queue_.size();
    }
    // A connection that waited its whole deadline in the queue is answered busy rather than served late.
    if (Clock::now() - next.since >= options_.request_timeout) {
      turn_away(next.fd);
      continue;
    }
    t_deadline = next.since + options_.request_timeout;
    {
      std::lock_guard<std::mutex> lock(active_mutex_);
      active_[t_slot] = {next.fd, t_deadline, true};
    }
    serve_connection_(next.fd);  // closes the fd
    {
      std::lock_guard<std::mutex> lock(active_mutex_);
      active_.erase(t_slot);
    }
    t_deadline = Clock::time_point::max();
  }
}

void ConnectionGate::watch() {
  std::unique_lock<std::mutex> lock(active_mutex_);
  while (!stopping_) {
    watchdog_wake_.wait_for(lock, kTick);
    const auto now = Clock::now();
    for (auto& [slot, a] : active_) {
      if (a.deadline == Clock::time_point::max() || now < a.deadline + kWatchdogGrace) continue;
      // The worker still owns the fd (it is erased from active_ under this lock before the worker takes
      // another), so it cannot have been closed and reused: shutting it down ends the worker's reads.
      ::shutdown(a.fd, SHUT_RDWR);
      a.deadline = Clock::time_point::max();
      ++timed_out_;
    }
  }
}

void ConnectionGate::turn_away(int fd) {
  ++turned_away_;
  if (options_.busy_answer.empty()) {
    ::close(fd);
    return;
  }
  [[maybe_unused]] const auto sent =
      ::send(fd, options_.busy_answer.data(), options_.busy_answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  std::lock_guard<std::mutex> lock(linger_mutex_);
  lingering_.emplace_back(fd, Clock::now());
}

void ConnectionGate::linger() {
  char drain[4096];
  for (;;) {
    std::vector<std::pair<int, Clock::time_point>> current;
    {
      std::lock_guard<std::mutex> lock(linger_mutex_);
      current.swap(lingering_);
    }
    if (workers_done_) {  // the server is gone: nothing more will be answered or turned away
      for (const auto& c : current) ::close(c.first);
      return;
    }
    if (current.empty()) {
      std::this_thread::sleep_for(kTick);
      continue;
    }
    std::vector<pollfd> fds;
    for (const auto& c : current) fds.push_back({c.first, POLLIN, 0});
    ::poll(fds.data(), fds.size(), static_cast<int>(kTick.count()));
    const auto now = Clock::now();
    std::vector<std::pair<int, Clock::time_point>> keep;
    for (std::size_t i = 0; i < current.size(); ++i) {
      bool done = now - current[i].second >= kLingerFor;
      if (!done && (fds[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        const auto n = ::recv(fds[i].fd, drain, sizeof(drain), MSG_DONTWAIT);
        done = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
      }
      if (done)
        ::close(current[i].first);
      else
        keep.push_back(current[i]);
    }
    std::lock_guard<std::mutex> lock(linger_mutex_);
    lingering_.insert(lingering_.end(), keep.begin(), keep.end());
  }
}

GateCounts ConnectionGate::counts() const {
  return {accepted_.load(), turned_away_.load(), timed_out_.load()};
}

}  // namespace attune::serving
