// The executor: workers that claim queued task instances from the metadata
// store and run them, each try in a child process of its own, so a task that
// crashes, hangs or leaks takes only itself down. The same Worker serves
// `sluice standalone` (beside the scheduler, woken at once) and `sluice
// worker` on any host (polling a shared PostgreSQL store).
//
// A worker heartbeats the tries it runs; a try the store no longer gives to
// it (cleared, marked failed, declared lost) is stopped, and its late writes
// are refused by the store's compare-and-set on (state, try number).
//
// Thread-safety: Start/Stop from one thread; Wake from any.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "metadb/metadb.h"
#include "operators/process.h"

namespace sluice::executor {

// "$home/logs/dag_id=D/run_id=R/task_id=T[/map_index=N]/attempt=K.log": the
// log of one try, as the web server and `sluice tasks logs` read it.
std::string TaskLogPath(const std::string& home, const metadb::TaskInstanceKey& key,
                        int try_number);

// Appends stamped, masked lines to one try's log file. Given a store, it also
// ships the log there (Ship(), and by itself once much is pending), so the
// web server and `sluice tasks logs` on another host can read it. Thread-safe.
class TaskLog {
 public:
  TaskLog(std::string path, Clock& clock, metadb::MetaStore* ship_to = nullptr,
          metadb::TaskTryRef ref = {});
  ~TaskLog();
  void Line(std::string_view text);
  // Sends what was written since the last Ship() to the store; the first
  // kMaxShippedBytes of a try are kept there, then a line saying where the
  // rest is.
  Status Ship();
  const std::string& path() const;

  static constexpr size_t kMaxShippedBytes = 16 << 20;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A try's log: the file under $home/logs when this host has it, else the copy
// a worker shipped to the store; kNotFound when neither has it.
Result<std::string> ReadTaskLog(metadb::MetaStore& store, const std::string& home,
                                const metadb::TaskTryRef& ref);

struct WorkerOptions {
  metadb::MetaStore* store = nullptr;  // required; not owned
  Clock* clock = nullptr;              // the system clock when null; not owned
  std::string home;                    // task logs under $home/logs (required)
  std::string id;                      // default "worker-<host>-<pid>"
  std::vector<std::string> queues;     // served queues; empty: every queue
  int slots = 4;                       // tries run at once
  bool ship_logs = false;              // copy task logs to the store (see TaskLog)
  std::chrono::milliseconds heartbeat_interval{std::chrono::seconds(5)};
  std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
  // How to start one try: this argv followed by dag_id run_id task_id
  // --map-index N (`sluice tasks execute`). Its stdout and stderr are the
  // try's log; a line "L <text>" is a log line, "O <json>" the outcome; exit
  // status 0 is success.
  std::vector<std::string> task_command;
  // Starts each try's process (operators::RunProcess when unset); a daemon
  // passes its task host's.
  operators::ProcessRunner run_process;
  // Called after each try ends (the scheduler of the same process passes again).
  std::function<void()> on_try_finished;
};

class Worker {
 public:
  explicit Worker(WorkerOptions options);
  ~Worker();  // stops the worker when it runs
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Claims and runs tries on background threads until Stop().
  Status Start();
  // Stops claiming, stops the tries in flight (they fail and are retried per
  // their policy) and joins the threads. Idempotent.
  void Stop();
  // Tasks were queued: claim now rather than at the next poll.
  void Wake();
  const std::string& id() const;

  struct Impl;  // private to worker.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::executor
