#include "operators/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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
  for (const auto& [name, value] : merged) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Splits what a pipe delivers into lines; a last line without '\n' is flushed at the end.
class LineSplitter {
 public:
  explicit LineSplitter(const std::function<void(std::string_view)>& on_line) : on_line_(on_line) {}
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
  const std::function<void(std::string_view)>& on_line_;
  std::string pending_;
};

}  // namespace

Result<ProcessResult> RunProcess(const ProcessSpec& spec,
                                 const std::function<void(std::string_view line)>& on_line) {
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
  posix_spawnattr_init(&attributes);
  // Its own group, so a timeout stops its children too; no signal blocked or
  // ignored, whatever the daemon that starts it does with its own.
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attributes, 0);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) {
    sigaddset(&default_signals, signal_number);
  }
  posix_spawnattr_setsigdefault(&attributes, &default_signals);

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
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    ssize_t got = ::read(pipe_fds[0], buffer, sizeof buffer);
    if (got > 0) {
      lines.Feed(std::string_view(buffer, static_cast<size_t>(got)));
    } else if (got == 0 || errno != EINTR) {
      open = false;
    }
  }
  lines.Flush();
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  // Children that kept the pipe open past their parent's exit are gone with the group.
  if (result.timed_out || result.cancelled) ::kill(-pid, SIGKILL);
  UntrackGroup(pid);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

void KillRunningProcessGroups() {
  for (std::atomic<pid_t>& slot : running_groups) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(-pid, SIGKILL);
  }
}

}  // namespace sluice::operators
