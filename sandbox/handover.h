// A run that starts before its input is known: the program gets ready (a warm compiler, say),
// says so with an agreed line on stdout, and waits for its stdin; the caller hands the input over
// later, and from that moment the run's limits and figures are the input's.
//
// Before the hand-over the run is held to `warm_up_cpu_ms` of CPU and `max_wait_ms` of wall
// time (a spare that never gets a job ends as a wall time limit), and what it writes is
// dropped. At the hand-over the engine reads the slot's CPU counter, writes the input into the
// program's stdin pipe and closes it; RunLimits::cpu_ms and the wall limit then count from
// there, and RunResult::cpu_ms and wall_ms are what the run used after it. Memory and process
// limits hold for the whole run (the ready program's own memory is part of what it uses).
//
// One Handover serves one run (RunRequest::handover). Its calls are thread-safe: the caller
// hands over from any thread while the slot's thread watches the run.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "sandbox/fs_util.h"

namespace codearena::sandbox {

class Handover {
 public:
  // The program is ready once it wrote `ready_line` as a whole line on stdout (any other line
  // says nothing). Throws SandboxError naming the call when the pipe or the eventfd cannot be
  // made.
  Handover(std::string ready_line, int64_t warm_up_cpu_ms, int64_t max_wait_ms);
  Handover(const Handover&) = delete;
  Handover& operator=(const Handover&) = delete;

  // True once the program has written the ready line on stdout before the hand-over.
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  // Gives the program `input` as the whole of its stdin, delivered by the run's watcher at
  // once. False (nothing given) when the program is not ready, something was handed over
  // already, or `input` is larger than the pipe holds (pipe_capacity()).
  bool hand_over(std::string input);

  // True once the watcher has delivered the input: the run's result is the input's. A run
  // that ended without it (the spare died or waited too long) never saw the input.
  bool delivered() const { return delivered_.load(std::memory_order_acquire); }

  // Bytes of the input still in the pipe, never read by the program (0 before the hand-over).
  // After the run: more than 0 means the program ended before it took its whole input.
  size_t unread_bytes() const;

  size_t pipe_capacity() const { return capacity_; }
  int64_t warm_up_cpu_ms() const { return warm_up_cpu_ms_; }
  int64_t max_wait_ms() const { return max_wait_ms_; }

  // For the engine. The read end of the stdin pipe, owned here.
  int stdin_fd() const { return read_.get(); }
  // An eventfd, readable once hand_over() succeeded; owned here.
  int handed_over_fd() const { return handed_over_.get(); }
  // Bytes the program wrote on stdout before the hand-over, in order: the ready line among them
  // makes it ready. Called by the slot's thread only.
  void note_output(const char* data, size_t size);
  // Writes the handed-over input into the pipe and closes the write end; call once, after
  // handed_over_fd() became readable. The pipe holds the input whole, and its write end is
  // non-blocking, so this never waits on the program. Returns false when the write failed (the
  // program then reads a cut input and fails).
  bool deliver();

 private:
  const std::string ready_line_;
  std::string line_;  // The line being written, up to one byte past ready_line_'s length.
  const int64_t warm_up_cpu_ms_;
  const int64_t max_wait_ms_;
  UniqueFd read_;
  UniqueFd write_;
  UniqueFd handed_over_;
  size_t capacity_ = 0;
  std::mutex mutex_;  // Guards input_ and handed_.
  std::string input_;
  bool handed_ = false;
  std::atomic<bool> ready_{false};
  std::atomic<bool> delivered_{false};
};

}  // namespace codearena::sandbox
