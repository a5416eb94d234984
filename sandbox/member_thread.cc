#include "sandbox/member_thread.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/errors.h"

namespace codearena::sandbox {
namespace {

// One byte each way: a task to run, and its end. Blocking reads on a socket: the sender is
// about to wait, and the kernel wakes the reader on the sender's CPU (a futex wake sends it to
// the other, idle CPU, which costs a virtual machine more than the task itself).
void signal_peer(int socket) {
  const char byte = 0;
  if (::send(socket, &byte, 1, MSG_NOSIGNAL) != 1)
    throw_errno("signal the keeper's member thread", errno);
}

// False when the peer is gone.
bool await_peer(int socket) {
  char byte;
  for (;;) {
    const ssize_t n = ::recv(socket, &byte, 1, 0);
    if (n == 1) return true;
    if (n == 0) return false;
    if (errno != EINTR) throw_errno("wait for the keeper's member thread", errno);
  }
}

}  // namespace

MemberThread::MemberThread(std::vector<UniqueFd> tasks_files) {
  if (tasks_files.empty()) return;
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
    throw_errno("socketpair for the member thread", errno);
  caller_end_.reset(ends[0]);
  member_end_.reset(ends[1]);
  // The thread starts with every signal blocked: the keeper's main thread alone takes SIGCHLD
  // through its signalfd, and nothing else is meant for the keeper.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ =
      std::thread([this, files = std::move(tasks_files)]() mutable { serve(std::move(files)); });
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (await_peer(caller_end_.get()) && !error_) return;
  caller_end_.reset();
  thread_.join();
  if (error_) std::rethrow_exception(error_);
  throw SandboxError("the keeper's member thread ended before it joined the slot cgroup");
}

MemberThread::~MemberThread() {
  if (!thread_.joinable()) return;
  caller_end_.reset();  // The thread's next read sees the end.
  thread_.join();
}

void MemberThread::call(const std::function<void()>& task) {
  if (!thread_.joinable()) return task();
  task_ = &task;
  error_ = nullptr;
  signal_peer(caller_end_.get());
  if (!await_peer(caller_end_.get()))
    throw SandboxError("the keeper's member thread ended during a task");
  task_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

void MemberThread::serve(std::vector<UniqueFd> tasks_files) {
  try {
    for (const auto& tasks : tasks_files) {
      if (::write(tasks.get(), "0", 1) != 1)
        throw_errno("move the keeper's member thread into the slot cgroup", errno);
    }
  } catch (...) {
    error_ = std::current_exception();
  }
  try {
    signal_peer(member_end_.get());
    if (error_) return;
    while (await_peer(member_end_.get())) {
      try {
        (*task_)();
      } catch (...) {
        error_ = std::current_exception();
      }
      signal_peer(member_end_.get());
    }
  } catch (const SandboxError&) {
    // The keeper's main thread is gone or its socket broken: nothing is left to serve.
  }
}

}  // namespace codearena::sandbox
