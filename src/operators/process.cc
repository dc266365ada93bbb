#include "operators/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

extern char** environ;

namespace sluice::operators {
namespace {

constexpr auto kKillGrace = std::chrono::seconds(5);

// The process groups RunProcess waits for, readable from a signal handler.
constexpr size_t kTrackedGroups = 64;
std::atomic<pid_t> running_groups[kTrackedGroups];

void TrackGroup(pid_t pid) {
  for (std::atomic<pid_t>& slot : running_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void UntrackGroup(pid_t pid) {
  for (std::atomic<pid_t>& slot : running_groups) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq != std::string_view::npos) merged[std::string(text.substr(0, eq))] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : extra) merged[name] = value;
  std::vector<std::string> out;
  out.reserve(merged.size());
  for (const auto& [name, value] : merged)
    out.push_back(std::string(name).append("=").append(value));
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Its own group, so a timeout stops its children too; no signal blocked or
// ignored, whatever the daemon that starts it does with its own.
void InitOwnGroupAttributes(posix_spawnattr_t& attributes) {
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD}) {
    sigaddset(&default_signals, signal_number);
  }
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
}

// Splits what a pipe delivers into lines; a last line without '\n' is flushed at the end.
class LineSplitter {
 public:
  explicit LineSplitter(const LineFn& on_line) : on_line_(on_line) {}
  void Feed(std::string_view bytes) {
    pending_.append(bytes);
    size_t start = 0;
    for (size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (on_line_) on_line_(std::string_view(pending_).substr(start, nl - start));
    }
    pending_.erase(0, start);
    if (pending_.size() > (1u << 20)) Flush();  // a line without end must not grow forever
  }
  void Flush() {
    if (!pending_.empty() && on_line_) on_line_(pending_);
    pending_.clear();
  }

 private:
  const LineFn& on_line_;
  std::string pending_;
};

// Hands the child's output to on_line until every writer of the pipe is
// gone, stopping its process group on a timeout or a cancel.
void PumpOutput(pid_t pid, int read_fd, const ProcessSpec& spec, const LineFn& on_line,
                ProcessResult& result) {
  LineSplitter lines(on_line);
  auto start = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> killed_at;
  char buffer[65536];
  for (bool open = true; open;) {
    int wait_ms = -1;
    auto now = std::chrono::steady_clock::now();
    if (spec.timeout.count() > 0 && !killed_at) {
      auto left = spec.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
      if (left.count() <= 0) {
        result.timed_out = true;
        ::kill(-pid, SIGTERM);
        killed_at = now;
        left = std::chrono::milliseconds(0);
      }
      wait_ms = static_cast<int>(left.count());
    }
    if (spec.cancel != nullptr && !killed_at) {
      if (spec.cancel->load()) {
        result.cancelled = true;
        ::kill(-pid, SIGTERM);
        killed_at = now;
      }
      wait_ms = wait_ms < 0 ? 200 : std::min(wait_ms, 200);
    }
    if (killed_at) {
      if (now - *killed_at >= kKillGrace) ::kill(-pid, SIGKILL);
      wait_ms = 200;
    }
    pollfd poll_fd{read_fd, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t got = ::read(read_fd, buffer, sizeof buffer);
    if (got > 0) {
      lines.Feed(std::string_view(buffer, static_cast<size_t>(got)));
    } else if (got == 0 || errno != EINTR) {
      open = false;
    }
  }
  lines.Flush();
}

// After the child's end: what it left behind in its group goes too when it
// was stopped, and the wait status becomes the result.
void FinishGroup(pid_t pid, int status, ProcessResult& result) {
  // Children that kept the pipe open past their parent's exit are gone with the group.
  if (result.timed_out || result.cancelled) ::kill(-pid, SIGKILL);
  UntrackGroup(pid);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

}  // namespace

Result<ProcessResult> RunProcess(const ProcessSpec& spec, const LineFn& on_line) {
  if (spec.argv.empty()) return Error::InvalidArgument("command: empty argv");
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Error::Unavailable("command {}: pipe: {}", spec.argv[0], std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (!spec.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  }
  posix_spawnattr_t attributes;
  InitOwnGroupAttributes(attributes);

  std::vector<std::string> argv_strings = spec.argv;
  std::vector<std::string> env_strings = MergedEnvironment(spec.env);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  pid_t pid = 0;
  int spawn_error = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(pipe_fds[1]);
  if (spawn_error != 0) {
    ::close(pipe_fds[0]);
    if (spawn_error == ENOENT) {
      return Error::NotFound("command {}: no such program (PATH or working_dir '{}')", spec.argv[0],
                             spec.working_dir);
    }
    return Error::Unavailable("command {}: cannot start: {}", spec.argv[0],
                              std::strerror(spawn_error));
  }

  TrackGroup(pid);
  ProcessResult result;
  PumpOutput(pid, pipe_fds[0], spec, on_line, result);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  FinishGroup(pid, status, result);
  return result;
}

void KillRunningProcessGroups() {
  for (std::atomic<pid_t>& slot : running_groups) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
}

// ---- The process host -------------------------------------------------------
//
// One message per datagram on a SOCK_SEQPACKET socket pair:
//   worker -> host: a request id (uint64) and the argv, each argument ended by
//                   NUL; the pipe for the child's output rides as SCM_RIGHTS;
//   host -> worker: HostReply, 'S' when the request's child started (pid, or
//                   -errno when it could not), 'E' when a child ended.

namespace {

constexpr int kHostSocketFd = 3;
constexpr size_t kMaxRequestBytes = 1 << 16;

struct HostReply {
  char kind;  // 'S' or 'E'
  uint64_t id;
  int32_t pid;
  int32_t status;
};

// One datagram with room for one file descriptor beside it.
struct FdMessage {
  iovec part;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};

  FdMessage(char* data, size_t size) : part{data, size} {
    header.msg_iov = &part;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
  }
  FdMessage(const FdMessage&) = delete;
  FdMessage& operator=(const FdMessage&) = delete;
};

bool SendWithFd(int socket, std::string_view bytes, int fd) {
  FdMessage message(const_cast<char*>(bytes.data()), bytes.size());
  cmsghdr* header = CMSG_FIRSTHDR(&message.header);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(header), &fd, sizeof(int));
  ssize_t sent;
  while ((sent = ::sendmsg(socket, &message.header, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  return sent == static_cast<ssize_t>(bytes.size());
}

void SendReply(int socket, const HostReply& reply) {
  while (::send(socket, &reply, sizeof reply, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

}  // namespace

struct ProcessHost::State {
  // kIdle until the first Run; kGone when the host could not start or ended.
  enum class Phase { kIdle, kStarting, kServing, kGone };

  std::vector<std::string> argv;
  std::mutex mutex;
  std::condition_variable changed;
  Phase phase = Phase::kIdle;
  pid_t host_pid = 0;
  int socket = -1;
  uint64_t next_id = 1;
  std::map<uint64_t, int> started;  // request id -> pid, or -errno
  std::map<pid_t, int> exited;      // pid -> wait status
  std::set<pid_t> running;          // started, not yet reported ended
  std::thread reader;

  // On the reader thread, which lives as long as the host: a parent-death
  // signal follows the thread that started the process, not its process.
  void Serve() {
    int fds[2] = {-1, -1};
    pid_t pid = 0;
    bool spawned =
        ::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0 && Spawn(fds, pid);
    if (fds[1] >= 0) ::close(fds[1]);
    {
      std::lock_guard lock(mutex);
      if (spawned) {
        socket = fds[0];
        host_pid = pid;
        phase = Phase::kServing;
      } else {
        if (fds[0] >= 0) ::close(fds[0]);
        phase = Phase::kGone;
      }
      changed.notify_all();
    }
    if (!spawned) return;
    HostReply reply{};
    for (;;) {
      ssize_t got = ::recv(socket, &reply, sizeof reply, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got != static_cast<ssize_t>(sizeof reply)) break;
      std::lock_guard lock(mutex);
      if (reply.kind == 'S') {
        started[reply.id] = reply.pid;
        if (reply.pid > 0) running.insert(reply.pid);
      }
      if (reply.kind == 'E') {
        exited[reply.pid] = reply.status;
        running.erase(reply.pid);
      }
      changed.notify_all();
    }
    std::lock_guard lock(mutex);
    // Its children went with it; what they started goes too, as with a worker.
    for (pid_t pid : running) ::kill(-pid, SIGKILL);
    phase = Phase::kGone;
    changed.notify_all();
  }

  bool Spawn(int (&fds)[2], pid_t& pid) {
    // dup2 onto the same number would leave close-on-exec set.
    if (fds[1] == kHostSocketFd) {
      int moved = ::fcntl(fds[1], F_DUPFD_CLOEXEC, kHostSocketFd + 1);
      ::close(fds[1]);
      fds[1] = moved;
      if (moved < 0) return false;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], kHostSocketFd);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawnattr_t attributes;
    InitOwnGroupAttributes(attributes);
    std::vector<std::string> argv_strings = argv;
    std::vector<char*> c_argv = CStrings(argv_strings);
    int spawn_error = ::posix_spawn(&pid, c_argv[0], &actions, &attributes, c_argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    return spawn_error == 0;
  }
};

ProcessHost::ProcessHost(std::vector<std::string> argv) : state_(std::make_unique<State>()) {
  state_->argv = std::move(argv);
}

ProcessHost::~ProcessHost() {
  State& s = *state_;
  {
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&s] { return s.phase != State::Phase::kStarting; });
    if (s.socket >= 0) ::shutdown(s.socket, SHUT_RDWR);
  }
  if (s.reader.joinable()) s.reader.join();
  if (s.socket >= 0) ::close(s.socket);
  int status = 0;
  while (s.host_pid > 0 && ::waitpid(s.host_pid, &status, 0) < 0 && errno == EINTR) {
  }
}

Result<ProcessResult> ProcessHost::Run(const ProcessSpec& spec, const LineFn& on_line) {
  if (spec.argv.empty()) return Error::InvalidArgument("command: empty argv");
  State& s = *state_;
  std::string request(sizeof(uint64_t), '\0');
  for (const std::string& arg : spec.argv) request.append(arg).push_back('\0');
  if (!spec.env.empty() || !spec.working_dir.empty() || request.size() > kMaxRequestBytes) {
    return RunProcess(spec, on_line);
  }
  uint64_t id = 0;
  {
    std::unique_lock lock(s.mutex);
    if (s.phase == State::Phase::kIdle && !s.argv.empty()) {
      s.phase = State::Phase::kStarting;
      s.reader = std::thread([&s] { s.Serve(); });
    }
    s.changed.wait(lock, [&s] { return s.phase != State::Phase::kStarting; });
    if (s.phase != State::Phase::kServing) {
      lock.unlock();
      return RunProcess(spec, on_line);
    }
    id = s.next_id++;
  }
  std::memcpy(request.data(), &id, sizeof id);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return Error::Unavailable("command {}: pipe: {}", spec.argv[0], std::strerror(errno));
  }
  bool sent = SendWithFd(s.socket, request, pipe_fds[1]);
  ::close(pipe_fds[1]);
  int pid = 0;
  {
    std::unique_lock lock(s.mutex);
    if (sent) {
      s.changed.wait(lock,
                     [&] { return s.started.count(id) > 0 || s.phase == State::Phase::kGone; });
    }
    auto found = s.started.find(id);
    if (found == s.started.end()) {  // the host ended: nothing of this request runs
      lock.unlock();
      ::close(pipe_fds[0]);
      return RunProcess(spec, on_line);
    }
    pid = found->second;
    s.started.erase(found);
  }
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return Error::Unavailable("command {}: the process host cannot fork: {}", spec.argv[0],
                              std::strerror(-pid));
  }
  TrackGroup(pid);
  ProcessResult result;
  PumpOutput(pid, pipe_fds[0], spec, on_line, result);
  ::close(pipe_fds[0]);
  int status = SIGKILL;  // as it ends when the host ends before saying how it did
  {
    std::unique_lock lock(s.mutex);
    s.changed.wait(lock, [&] { return s.exited.count(pid) > 0 || s.phase == State::Phase::kGone; });
    if (auto found = s.exited.find(pid); found != s.exited.end()) {
      status = found->second;
      s.exited.erase(found);
    }
  }
  FinishGroup(pid, status, result);
  return result;
}

namespace {

// Says how each child that ended did.
void ReapChildren(int socket) {
  int status = 0;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    SendReply(socket, {.kind = 'E', .id = 0, .pid = pid, .status = status});
  }
}

[[noreturn]] void RunChild(pid_t host, int socket, int signal_fd, int out_fd,
                           std::vector<std::string> argv,
                           const std::function<int(std::vector<std::string>)>& run_child) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != host) ::_exit(127);
  ::close(socket);
  ::close(signal_fd);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  ::close(out_fd);
  ::close(null_fd);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // A normal end, as a program's: stdio flushed, exit handlers run.
  std::exit(run_child(std::move(argv)));
}

}  // namespace

int ServeProcessHost(int socket, const std::function<int(std::vector<std::string>)>& run_child) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  const pid_t host = ::getpid();
  if (::getppid() == 1) return 1;  // the worker is already gone
  sigset_t child_ended;
  sigemptyset(&child_ended);
  sigaddset(&child_ended, SIGCHLD);
  ::sigprocmask(SIG_BLOCK, &child_ended, nullptr);
  int signal_fd = ::signalfd(-1, &child_ended, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::fprintf(stderr, "sluice: process host: signalfd: %s\n", std::strerror(errno));
    return 1;
  }
  std::vector<char> buffer(kMaxRequestBytes);
  for (;;) {
    pollfd fds[2] = {{socket, POLLIN, 0}, {signal_fd, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) {
      signalfd_siginfo info;
      while (::read(signal_fd, &info, sizeof info) < 0 && errno == EINTR) {
      }
      ReapChildren(socket);
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    FdMessage message(buffer.data(), buffer.size());
    ssize_t got = ::recvmsg(socket, &message.header, MSG_CMSG_CLOEXEC);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the worker closed its end
    cmsghdr* header = CMSG_FIRSTHDR(&message.header);
    int out_fd = -1;
    if (header != nullptr && header->cmsg_type == SCM_RIGHTS) {
      std::memcpy(&out_fd, CMSG_DATA(header), sizeof(int));
    }
    uint64_t id = 0;
    if (static_cast<size_t>(got) < sizeof id || out_fd < 0) {
      if (out_fd >= 0) ::close(out_fd);
      continue;  // not a request this host sends
    }
    std::memcpy(&id, buffer.data(), sizeof id);
    std::vector<std::string> argv;
    std::string_view rest(buffer.data() + sizeof id, static_cast<size_t>(got) - sizeof id);
    for (size_t end; !rest.empty() && (end = rest.find('\0')) != std::string_view::npos;
         rest.remove_prefix(end + 1)) {
      argv.emplace_back(rest.substr(0, end));
    }
    std::fflush(nullptr);  // nothing of the host's stdio reaches a child's pipe
    pid_t pid = ::fork();
    const int fork_error = errno;
    if (pid == 0) RunChild(host, socket, signal_fd, out_fd, std::move(argv), run_child);
    if (pid > 0) ::setpgid(pid, pid);  // before the worker can signal the group
    ::close(out_fd);
    SendReply(socket, {.kind = 'S', .id = id, .pid = pid > 0 ? pid : -fork_error, .status = 0});
  }
  ::close(signal_fd);
  return 0;
}

}  // namespace sluice::operators
