// A box keeper that lies. The engine starts it in place of codearena-box (SandboxConfig's
// helper_path) and it answers the setup honestly, then answers each run with the forgery named
// by the run's argv[0] — what a keeper taken over by a program could send. The engine must end
// every such run as an internal error, promptly, without trusting a byte of it.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sandbox/keeper_protocol.h"

namespace {

using namespace codearena::sandbox;

// A real seccomp listener, as an honest keeper sends with Started: an allow-everything filter
// loaded on the forger itself, once (a process can have one listener), and sent with every start.
int make_listener() {
  static const int listener = [] {
    sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    sock_fprog program{1, &allow};
    return static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                      SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
  }();
  return listener;
}

int sparse_file(off_t size) {
  const int fd = ::memfd_create("forged", MFD_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, size) != 0) std::exit(3);
  return fd;
}

void send(int control, const std::string& body, const std::vector<int>& fds = {}) {
  wire::send_message(control, body, fds);
}

// Sends `body` with `fds` through sendmsg directly, bypassing the framing's own limits.
void send_raw(int control, const std::string& body, const std::vector<int>& fds) {
  iovec io{const_cast<char*>(body.data()), body.size()};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  std::vector<char> control_bytes(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    header.msg_control = control_bytes.data();
    header.msg_controllen = control_bytes.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  if (::sendmsg(control, &header, MSG_NOSIGNAL) < 0) std::exit(4);
}

void started(int control, uint64_t run) {
  send(control, keeper::encode(keeper::Started{run}), {make_listener()});
}

void exited_with(int control, uint64_t run, const std::vector<std::string>& names,
                 const std::vector<int>& fds) {
  started(control, run);
  send(control, keeper::encode(keeper::Exited{run, 0, 1000, names, ""}), fds);
}

// Moves the calling process into the slot's cgroup through the join message's cgroup files.
bool join_cgroup(const std::vector<UniqueFd>& procs) {
  for (const auto& fd : procs) {
    if (::write(fd.get(), "0", 1) != 1) return false;
  }
  return true;
}

// A process of the forger's namespaces that joins the slot's cgroup and spins there; returns
// once it has joined.
void leave_a_joined_spinner(const std::vector<UniqueFd>& procs) {
  int joined[2];
  if (::pipe(joined) != 0) std::exit(3);
  if (::fork() == 0) {
    if (!join_cgroup(procs)) std::_Exit(1);
    ::close(joined[1]);
    for (;;) {
    }
  }
  ::close(joined[1]);
  char done;
  if (::read(joined[0], &done, 1) != 0) std::exit(3);  // End of file: the child has joined.
  ::close(joined[0]);
}

// Set by a forgery that sends no ready message of its own accord, or none at all.
bool ready_sent = false;

// Blocks until the engine has closed the reading end of the run's stdout: it has taken the run's
// end in and returned its result.
void wait_until_the_run_is_taken_in(const std::vector<UniqueFd>& run_fds) {
  pollfd reader_gone{run_fds.at(1).get(), 0, 0};
  while (::poll(&reader_gone, 1, -1) != 1) {
  }
}

void forge(const std::string& attack, uint64_t run, int control, const std::vector<UniqueFd>& procs,
           const std::vector<UniqueFd>& run_fds) {
  if (attack == "eventfd-file") {
    exited_with(control, run, {"out"}, {::eventfd(1, EFD_CLOEXEC)});
  } else if (attack == "dev-zero-file") {
    exited_with(control, run, {"out"}, {::open("/dev/zero", O_RDONLY | O_CLOEXEC)});
  } else if (attack == "oversized-file") {
    exited_with(control, run, {"out"}, {sparse_file(1LL << 30)});
  } else if (attack == "files-larger-than-the-box") {
    exited_with(control, run, {"a", "b"}, {sparse_file(40 << 20), sparse_file(40 << 20)});
  } else if (attack == "file-sent-twice") {
    exited_with(control, run, {"a", "a"}, {sparse_file(1), sparse_file(1)});
  } else if (attack == "more-files-than-names") {
    exited_with(control, run, {"a"}, {sparse_file(1), sparse_file(1)});
  } else if (attack == "bad-file-name") {
    exited_with(control, run, {"../etc/passwd"}, {sparse_file(1)});
  } else if (attack == "huge-count") {
    started(control, run);
    send(control, wire::Writer(wire::Type::kExited)
                      .u64(run)
                      .u64(0)
                      .u64(1000)
                      .u64((1ULL << 61) + 1)
                      .bytes());
  } else if (attack == "huge-string") {
    send(control, wire::Writer(wire::Type::kFailed).u64(run).u64(~0ULL - 4).bytes());
  } else if (attack == "earlier-run") {
    started(control, run);
    send(control, keeper::encode(keeper::Exited{run - 1, 0, 1000, {}, ""}));
  } else if (attack == "later-run") {
    send(control, keeper::encode(keeper::Started{run + 1}), {make_listener()});
  } else if (attack == "stopped-status") {
    started(control, run);
    send(control, keeper::encode(keeper::Exited{run, 0x137f, 1000, {}, ""}));
  } else if (attack == "exit-before-start") {
    send(control, keeper::encode(keeper::Exited{run, 0, 1000, {}, ""}));
  } else if (attack == "no-listener") {
    send(control, keeper::encode(keeper::Started{run}));
  } else if (attack == "pipe-as-listener") {
    int ends[2];
    if (::pipe(ends) != 0) std::exit(3);
    send(control, keeper::encode(keeper::Started{run}), {ends[0]});
  } else if (attack == "unknown-type") {
    send(control, std::string("\x63", 1) + std::string(16, 'x'));
  } else if (attack == "setup-type") {
    send(control, wire::Writer(wire::Type::kSetup).bytes());
  } else if (attack == "join-type") {
    send(control, keeper::encode(keeper::JoinOrder{}), {procs.front().get()});
  } else if (attack == "trailing-bytes") {
    started(control, run);
    send(control, keeper::encode(keeper::Exited{run, 0, 1000, {}, ""}) + "extra");
  } else if (attack == "oversized-packet") {
    // Over the engine's 192 KiB, under what the socket itself carries.
    send_raw(control, std::string(196 << 10, '\x06'), {});
  } else if (attack == "too-many-descriptors") {
    std::vector<int> fds(253, ::open("/dev/null", O_RDONLY | O_CLOEXEC));
    send_raw(control, keeper::encode(keeper::Exited{run, 0, 1000, {}, ""}), fds);
  } else if (attack == "alive-after-exit") {
    // A process left in the run's cgroup while the run is reported over.
    leave_a_joined_spinner(procs);
    exited_with(control, run, {}, {});
  } else if (attack == "alive-after-ready") {
    // An honest run, then, once the engine has its result, a process that joins the slot's
    // cgroup before the ready message: it would spin on into the next run, on its CPU time.
    exited_with(control, run, {}, {});
    wait_until_the_run_is_taken_in(run_fds);
    leave_a_joined_spinner(procs);
  } else if (attack == "ready-during-run") {
    send(control, keeper::encode_ready());
  } else if (attack == "ready-with-descriptor") {
    exited_with(control, run, {}, {});
    send(control, keeper::encode_ready(), {sparse_file(1)});
    ready_sent = true;
  } else if (attack == "second-ready") {
    exited_with(control, run, {}, {});
    send(control, keeper::encode_ready());
  } else if (attack == "no-ready") {
    exited_with(control, run, {}, {});
    ready_sent = true;
  } else if (attack == "deaf-after-ready") {
    // Alive, its socket open, but it reads nothing more: the engine's next send finds the
    // socket shut, as if the keeper had gone.
    exited_with(control, run, {}, {});
    send(control, keeper::encode_ready());
    if (::shutdown(control, SHUT_RD) != 0) std::exit(3);
    for (;;) ::pause();
  } else if (attack == "honest-exit") {
    exited_with(control, run, {}, {});
  } else if (attack == "stray-message-after-exit") {
    // A start where only the ready message for the next box belongs.
    exited_with(control, run, {}, {});
    started(control, run);
  } else if (attack == "exit-without-answer") {
    // As a keeper that cannot prepare the next box: it exits instead of answering.
    started(control, run);
    std::exit(1);
  } else if (attack == "silence") {
    started(control, run);
    for (;;) ::pause();
  } else {
    send(control, keeper::encode(keeper::Failed{run, "unknown forgery " + attack, false}));
  }
}

// Whether the test left `marker` in the staging directory; it is removed, so that only one
// keeper acts on it.
bool marker_taken(const std::string& staging_dir, const char* marker) {
  return ::unlink((staging_dir + "/" + marker).c_str()) == 0;
}

// A marker file the test leaves in the staging directory makes this one keeper (it removes the
// marker) break its start after the join message: late with its ready message ("late-ready"
// outside the slot's cgroup, "late-ready-in-cgroup" after it has moved itself in through the
// join message's cgroup files), gone without it ("exit-after-join"), or with a start where
// the ready belongs ("start-instead-of-ready"). Returns whether the start was broken.
bool broken_start(const std::string& staging_dir, int control,
                  const std::vector<UniqueFd>& procs) {
  const auto taken = [&](const char* marker) { return marker_taken(staging_dir, marker); };
  if (taken("exit-after-join")) return true;
  if (taken("start-instead-of-ready")) {
    started(control, 1);
  } else if (taken("late-ready-in-cgroup")) {
    if (!join_cgroup(procs)) std::exit(3);
  } else if (!taken("late-ready")) {
    return false;
  }
  while (wire::receive_message(control)) {
  }
  try {
    send(control, keeper::encode_ready());  // Too late: the engine has closed the socket.
  } catch (const wire::PeerClosed&) {
  }
  return true;
}

// Parks as an honest keeper does (`reader` at a ParkOrder, `fds` its socket end), then answers
// the adopting engine's join as a marker in the staging directory says: with a start where the
// ready belongs ("join-answer-start"), gone without a word ("join-answer-exit") or never a word
// ("join-answer-silence"); with none, honestly, taking the join's cgroup files into `procs`.
// Returns whether it goes on serving.
bool park(const std::string& staging_dir, int control, wire::Reader& reader,
          std::vector<UniqueFd>& fds, std::vector<UniqueFd>& procs) {
  const auto idle_ms = static_cast<int>(keeper::decode_park(reader).idle_ms);
  const UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (fds.size() != 1 ||
      ::dup3(fds.front().get(), keeper::kParkedEngineEnd, O_CLOEXEC) != keeper::kParkedEngineEnd ||
      ::dup2(null.get(), STDERR_FILENO) != STDERR_FILENO)
    std::exit(3);
  send(control, keeper::encode_ready());
  pollfd adopter{control, POLLIN, 0};
  auto join = ::poll(&adopter, 1, idle_ms) == 1 ? wire::receive_message(control) : std::nullopt;
  ::close(keeper::kParkedEngineEnd);
  if (!join || marker_taken(staging_dir, "join-answer-exit")) return false;
  if (marker_taken(staging_dir, "join-answer-silence")) {
    for (;;) ::pause();
  }
  if (marker_taken(staging_dir, "join-answer-start")) {
    started(control, 1);
    while (wire::receive_message(control)) {
    }
    return false;
  }
  procs = std::move(join->fds);
  send(control, keeper::encode_ready());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const int control = std::atoi(argv[1]);
  auto setup = wire::receive_message(control);
  if (!setup) return 1;
  wire::Reader setup_reader(setup->body);
  const std::string staging_dir = keeper::decode_setup(setup_reader).staging_dir;
  auto join = wire::receive_message(control);
  if (!join) return 1;
  wire::Reader join_reader(join->body);
  std::vector<UniqueFd> procs = std::move(join->fds);
  // Where an honest keeper runs its programs, and where an engine looks for it when it parks.
  if (keeper::decode_join(join_reader).network_namespace) {
    if (::setns(procs.front().get(), CLONE_NEWNET) != 0) return 3;
    procs.erase(procs.begin());
  }
  if (broken_start(staging_dir, control, procs)) return 0;
  send(control, keeper::encode_ready());
  while (auto message = wire::receive_message(control)) {
    wire::Reader reader(message->body);
    if (reader.type() == wire::Type::kPark) {
      if (!park(staging_dir, control, reader, message->fds, procs)) break;
      continue;
    }
    if (reader.type() != wire::Type::kRun) continue;
    const auto order = keeper::decode_run(reader);
    ready_sent = false;
    forge(order.argv[0], order.run_id, control, procs, message->fds);
    // Honest about the next box, so that only the forgery itself is under test.
    if (!order.last_on_slot && !ready_sent) send(control, keeper::encode_ready());
  }
  return 0;
}
