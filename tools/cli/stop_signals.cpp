#include "tools/cli/stop_signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace attune::cli {

namespace {

// The write end of the live StopSignals' pipe, for the handler.
std::atomic<int> stop_pipe_write{-1};

extern "C" void on_stop_signal(int sig) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(sig);
  const int fd = stop_pipe_write.load();
  if (fd >= 0 && write(fd, &byte, 1) < 0) {
  }  // write() is async-signal-safe; a full pipe already holds a stop request
  errno = saved;
}

}  // namespace

StopSignals::StopSignals() {
  if (pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  stop_pipe_write = pipe_[1];
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &action, &old_term_);
  sigaction(SIGINT, &action, &old_int_);
}

StopSignals::~StopSignals() {
  stop_waiting();
  sigaction(SIGTERM, &old_term_, nullptr);
  sigaction(SIGINT, &old_int_, nullptr);
  stop_pipe_write = -1;
  close(pipe_[0]);
  close(pipe_[1]);
}

void StopSignals::stop_waiting() {
  if (!waiter_.joinable()) return;
  const unsigned char wake = 0;  // not a signal number: the waiter returns without calling fn
  if (received_ == 0 && write(pipe_[1], &wake, 1) < 0) {
  }  // a full pipe wakes the waiter as well
  waiter_.join();
}

void StopSignals::on_signal(std::function<void()> fn) {
  if (waiter_.joinable()) throw std::logic_error("StopSignals::on_signal called twice");
  waiter_ = std::thread([this, fn = std::move(fn)] {
    unsigned char byte = 0;
    ssize_t n = 0;
    do {
      n = read(pipe_[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1 || byte == 0) return;
    received_ = byte;
    fn();
  });
}

}  // namespace attune::cli
