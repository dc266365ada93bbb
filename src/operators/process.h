// Child processes, behind one door (the `command` task kind uses it).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
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

// Runs a program to its end, handing each line of its stdout and stderr to
// on_line as it comes. On timeout the whole process group gets SIGTERM, then
// SIGKILL after a grace period: a task is stopped, never abandoned.
// Errors: kNotFound (no such program), kUnavailable (cannot start).
Result<ProcessResult> RunProcess(const ProcessSpec& spec,
                                 const std::function<void(std::string_view line)>& on_line);

// Sends SIGKILL to the process group of every process RunProcess is running,
// so a process that is told to stop leaves none of its tasks behind.
// Async-signal-safe: meant for a SIGTERM handler.
void KillRunningProcessGroups();

}  // namespace sluice::operators
