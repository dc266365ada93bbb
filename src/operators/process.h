// Child processes, behind one door (the `command` task kind uses it).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::operators {

struct ProcessSpec {
  std::vector<std::string> argv;           // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;  // added to the parent's environment
  std::string working_dir;                 // empty: the parent's
  std::chrono::milliseconds timeout{0};    // zero: none
  // When it becomes true the process is stopped as on a timeout. May be null.
  const std::atomic<bool>* cancel = nullptr;
};

struct ProcessResult {
  int exit_code = 0;  // when the process exited
  int signal = 0;     // when a signal ended it
  bool timed_out = false;
  bool cancelled = false;
};

using LineFn = std::function<void(std::string_view line)>;

// Runs a program to its end, handing each line of its stdout and stderr to
// on_line as it comes. On timeout the whole process group gets SIGTERM, then
// SIGKILL after a grace period: a task is stopped, never abandoned.
// Errors: kNotFound (no such program), kUnavailable (cannot start).
Result<ProcessResult> RunProcess(const ProcessSpec& spec, const LineFn& on_line);

// RunProcess, or another way to start the same processes.
using ProcessRunner = std::function<Result<ProcessResult>(const ProcessSpec&, const LineFn&)>;

// A helper process that starts processes by forking itself, so that none of
// them loads and relocates a program and its libraries again: the program
// it runs (argv) serves ServeProcessHost on file descriptor 3, and a child
// runs what that program does with the argv of a spec. The host starts with
// the first Run, so an idle owner has none. Run keeps RunProcess's contract
// (its own process group, stdout and stderr as lines, timeouts and
// cancellation); a spec with env or working_dir, and every spec when the
// host cannot start or has ended, goes to RunProcess. Thread-safe.
class ProcessHost {
 public:
  explicit ProcessHost(std::vector<std::string> argv);
  ~ProcessHost();  // the host ends, and with it the children it still runs
  ProcessHost(const ProcessHost&) = delete;
  ProcessHost& operator=(const ProcessHost&) = delete;

  Result<ProcessResult> Run(const ProcessSpec& spec, const LineFn& on_line);

  struct State;  // private to process.cc

 private:
  std::unique_ptr<State> state_;
};

// The host's side, for the program a ProcessHost runs. Each request
// forks a child, in a process group of its own, with stdin on /dev/null and
// stdout and stderr on the pipe the request brought; the child exits with
// run_child(argv), which may also exec. Serves until the socket closes (the
// worker ended); the children end with the host. Returns an exit status.
int ServeProcessHost(int socket,
                     const std::function<int(std::vector<std::string> argv)>& run_child);

// Sends SIGKILL to the process group of every process RunProcess is running,
// so a process that is told to stop leaves none of its tasks behind.
// Async-signal-safe: meant for a SIGTERM handler.
void KillRunningProcessGroups();

}  // namespace sluice::operators
