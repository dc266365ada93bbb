#include "cli/secrets.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern char** environ;

namespace sluice::cli {
namespace {

// A value larger than this is not a connection URL; stop reading rather than grow.
constexpr size_t kMaxValueBytes = 1 << 20;
constexpr size_t kMaxStderrBytes = 4096;

std::string WithoutTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string Substitute(std::string text, std::string_view name, std::string_view value) {
  for (size_t at = 0; (at = text.find(name, at)) != std::string::npos; at += value.size()) {
    text.replace(at, name.size(), value);
  }
  return text;
}

// The last non-empty line of what the command wrote on stderr, short and masked:
// it explains a failure ("permission denied") without repeating a value.
std::string LastLine(const std::string& text) {
  std::string trimmed = WithoutTrailingNewlines(text);
  size_t start = trimmed.rfind('\n');
  std::string line = start == std::string::npos ? trimmed : trimmed.substr(start + 1);
  if (line.size() > 200) line = line.substr(0, 200) + "...";
  return MaskSecrets(line);
}

struct CapturedProcess {
  int exit_code = 0;
  int signal = 0;
  bool timed_out = false;
  bool too_large = false;  // stdout passed kMaxValueBytes; reading stopped
  std::string out;         // at most kMaxValueBytes
  std::string err;         // the last kMaxStderrBytes
};

class Pipe {
 public:
  Pipe() {
    if (::pipe2(fds_, O_CLOEXEC) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Pipe() {
    CloseRead();
    CloseWrite();
  }
  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }
  int write_end() const { return fds_[1]; }
  void CloseRead() { Close(fds_[0]); }
  void CloseWrite() { Close(fds_[1]); }

 private:
  static void Close(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  int fds_[2];
};

Result<pid_t> Spawn(const std::vector<std::string>& argv, Pipe& out, Pipe& err) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out.write_end(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err.write_end(), STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);  // its own group, so a timeout stops its children too
  std::vector<std::string> strings = argv;
  std::vector<char*> c_argv;
  for (std::string& s : strings) c_argv.push_back(s.data());
  c_argv.push_back(nullptr);
  pid_t pid = 0;
  int spawn_error = ::posix_spawnp(&pid, c_argv[0], &actions, &attributes, c_argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  out.CloseWrite();
  err.CloseWrite();
  if (spawn_error == ENOENT) return Error::NotFound("{}: no such program", argv[0]);
  if (spawn_error != 0) {
    return Error::Unavailable("{}: cannot start: {}", argv[0], std::strerror(spawn_error));
  }
  return pid;
}

// Reads stdout and stderr apart (stderr must never mix into the value) until
// both close or the deadline passes; then the whole group is killed.
void Drain(pid_t pid, Pipe& out, Pipe& err, std::chrono::milliseconds timeout,
           CapturedProcess& result) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buffer[65536];
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      return;
    }
    pollfd fds[2] = {{out_open ? out.read_end() : -1, POLLIN, 0},
                     {err_open ? err.read_end() : -1, POLLIN, 0}};
    int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) return;
    for (int i = 0; ready > 0 && i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t got = ::read(fds[i].fd, buffer, sizeof buffer);
      if (got < 0 && errno == EINTR) continue;
      bool& open = i == 0 ? out_open : err_open;
      if (got <= 0) {
        open = false;
        continue;
      }
      std::string& sink = i == 0 ? result.out : result.err;
      sink.append(buffer, static_cast<size_t>(got));
      if (i == 1 && sink.size() > kMaxStderrBytes) sink.erase(0, sink.size() - kMaxStderrBytes);
      if (i == 0 && sink.size() > kMaxValueBytes) {
        sink.resize(kMaxValueBytes);
        result.too_large = true;
        return;
      }
    }
  }
}

Result<CapturedProcess> Capture(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout) {
  Pipe out, err;
  if (!out.ok() || !err.ok()) {
    return Error::Unavailable("{}: pipe: {}", argv[0], std::strerror(errno));
  }
  SLUICE_ASSIGN_OR_RETURN(pid_t pid, Spawn(argv, out, err));
  CapturedProcess result;
  Drain(pid, out, err, timeout, result);
  // Stopped reading early: the command may be blocked writing.
  if (result.too_large) ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

bool NamesASecret(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view word : {"password", "secret", "token", "key"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return false;
}

// The password as written in the URL text (percent-encoded), next to the decoded one.
std::string RawPassword(std::string_view text) {
  size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return {};
  std::string_view authority = text.substr(scheme_end + 3);
  authority = authority.substr(0, std::min(authority.size(), authority.find_first_of("/?#")));
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return {};
  size_t colon = authority.substr(0, at).find(':');
  if (colon == std::string_view::npos) return {};
  return std::string(authority.substr(colon + 1, at - colon - 1));
}

// A query value as written (percent-encoded), by its key.
std::string RawQueryValue(std::string_view text, std::string_view key) {
  size_t query = text.find('?');
  if (query == std::string_view::npos) return {};
  std::string_view rest = text.substr(query + 1);
  rest = rest.substr(0, std::min(rest.size(), rest.find('#')));
  while (!rest.empty()) {
    std::string_view pair = rest.substr(0, std::min(rest.size(), rest.find('&')));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && PercentDecode(pair.substr(0, eq)) == key) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

}  // namespace

bool SecretsOptions::Serves(const std::string& connection_id) const {
  if (command.empty()) return false;
  return connections.empty() ||
         std::find(connections.begin(), connections.end(), connection_id) != connections.end();
}

SecretCache::SecretCache(std::shared_ptr<const Clock> clock) : clock_(std::move(clock)) {}

Result<std::string> SecretCache::GetOrLoad(const std::string& key, std::chrono::seconds ttl,
                                           const std::function<Result<std::string>()>& load) {
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it != entries_.end() && clock_->SteadyNow() < it->second.expires) return it->second.value;
  }
  // Loaded without the lock: a slow command must not hold up other connections.
  SLUICE_ASSIGN_OR_RETURN(std::string value, load());
  if (ttl.count() > 0) {
    std::lock_guard lock(mutex_);
    entries_[key] = Entry{value, clock_->SteadyNow() + ttl};
  }
  return value;
}

void SecretCache::Clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

Result<std::string> ReadSecretFile(const std::string& variable, const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    int error = errno;
    std::string where = fmt::format("{}={}", variable, path);
    if (error == ENOENT) return Error::NotFound("{}: no such file", where);
    if (error == EACCES)
      return Error::PermissionDenied("{}: cannot read: permission denied", where);
    return Error::Unavailable("{}: cannot read: {}", where, std::strerror(error));
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    return Error::Unavailable("{}={}: cannot read: {}", variable, path, std::strerror(errno));
  }
  std::string value = WithoutTrailingNewlines(content.str());
  if (value.empty()) return Error::FailedPrecondition("{}={}: the file is empty", variable, path);
  RegisterConnectionSecrets(value);
  return value;
}

Result<std::string> RunSecretCommand(const SecretsOptions& options,
                                     const std::string& connection_id) {
  if (options.command.empty()) return Error::InvalidArgument("secrets: command is empty");
  std::vector<std::string> argv;
  for (const std::string& arg : options.command) {
    argv.push_back(Substitute(arg, "{conn_id}", connection_id));
  }
  std::string what = fmt::format("secrets command {} for connection '{}'", argv[0], connection_id);
  auto captured = Capture(argv, options.timeout);
  if (!captured) return std::move(captured).error().AddContext(what);
  std::string value = WithoutTrailingNewlines(std::move(captured->out));
  // Registered before any error is built, in case stderr repeats it.
  RegisterConnectionSecrets(value);
  if (captured->timed_out) {
    return Error::DeadlineExceeded("{} timed out after {}s", what, options.timeout.count())
        .Hint("raise secrets: timeout_seconds in sluice.yaml, or check the secrets manager");
  }
  std::string why = LastLine(captured->err);
  std::string because = why.empty() ? "" : ": " + why;
  if (captured->too_large) {
    return Error::FailedPrecondition("{} printed more than {} bytes", what, kMaxValueBytes);
  }
  if (captured->signal != 0) {
    return Error::Unavailable("{} was killed by signal {}{}", what, captured->signal, because);
  }
  if (captured->exit_code != 0) {
    return Error::Unavailable("{} exited with status {}{}", what, captured->exit_code, because);
  }
  if (value.empty()) return Error::FailedPrecondition("{} printed nothing{}", what, because);
  return value;
}

void RegisterConnectionSecrets(std::string_view text) {
  auto url = Url::Parse(text);
  if (!url) {
    RegisterSecret(text);
    return;
  }
  if (url->has_password) {
    RegisterSecret(url->password);
    RegisterSecret(RawPassword(text));
  }
  for (const auto& [key, value] : url->query) {
    if (!NamesASecret(key)) continue;
    RegisterSecret(value);
    RegisterSecret(RawQueryValue(text, key));
  }
}

}  // namespace sluice::cli
