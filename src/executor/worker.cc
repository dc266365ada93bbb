#include <spdlog/spdlog.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "executor/executor.h"
#include "executor/worker_metrics.h"
#include "operators/process.h"
#include "scheduler/scheduler.h"

namespace sluice::executor {

using metadb::TaskInstance;
using metadb::TaskState;

std::string TaskLogPath(const std::string& home, const metadb::TaskInstanceKey& key,
                        int try_number) {
  std::string path = fmt::format("{}/logs/dag_id={}/run_id={}/task_id={}", home, key.dag_id,
                                 key.run_id, key.task_id);
  if (key.map_index >= 0) path += fmt::format("/map_index={}", key.map_index);
  return path + fmt::format("/attempt={}.log", try_number);
}

namespace {

std::string Hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

struct TaskLog::Impl {
  std::string path;
  Clock& clock;
  metadb::MetaStore* ship_to;
  metadb::TaskTryRef ref;
  std::mutex mutex;
  std::ofstream out;
  std::string unshipped;
  size_t shipped_bytes = 0;
  bool ship_limit_noted = false;
  std::mutex ship_mutex;  // keeps shipped chunks in order
};

namespace {
constexpr size_t kShipEagerlyBytes = 1 << 20;
}  // namespace

TaskLog::TaskLog(std::string path, Clock& clock, metadb::MetaStore* ship_to, metadb::TaskTryRef ref)
    : impl_(new Impl{
          .path = std::move(path), .clock = clock, .ship_to = ship_to, .ref = std::move(ref)}) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(impl_->path).parent_path(), ec);
  impl_->out.open(impl_->path, std::ios::app);
  if (!impl_->out) spdlog::error("cannot write the task log {}", impl_->path);
}

TaskLog::~TaskLog() = default;

const std::string& TaskLog::path() const { return impl_->path; }

void TaskLog::Line(std::string_view text) {
  bool ship_now = false;
  {
    std::lock_guard lock(impl_->mutex);
    std::string line =
        fmt::format("[{}] {}\n", FormatIsoTime(impl_->clock.Now()), MaskSecrets(text));
    impl_->out << line;
    impl_->out.flush();
    if (impl_->ship_to != nullptr && impl_->shipped_bytes < kMaxShippedBytes) {
      impl_->unshipped += line;
      ship_now = impl_->unshipped.size() >= kShipEagerlyBytes;
    }
  }
  if (ship_now) {
    if (Status shipped = Ship(); !shipped) {
      spdlog::warn("shipping the task log {}: {}", impl_->path, shipped.error().ToString());
    }
  }
}

Status TaskLog::Ship() {
  if (impl_->ship_to == nullptr) return OkStatus();
  std::lock_guard ship_lock(impl_->ship_mutex);
  std::string chunk;
  {
    std::lock_guard lock(impl_->mutex);
    chunk.swap(impl_->unshipped);
    size_t room = kMaxShippedBytes - std::min(impl_->shipped_bytes, kMaxShippedBytes);
    if (chunk.size() > room) {
      size_t line_end = chunk.rfind('\n', room == 0 ? 0 : room - 1);
      chunk.resize(line_end == std::string::npos || room == 0 ? 0 : line_end + 1);
      if (!impl_->ship_limit_noted) {
        chunk += fmt::format(
            "[{}] the metadata store keeps the first {} MiB of this log; all of it is in {}\n",
            FormatIsoTime(impl_->clock.Now()), kMaxShippedBytes >> 20, impl_->path);
        impl_->ship_limit_noted = true;
      }
      impl_->shipped_bytes = kMaxShippedBytes;
    } else {
      impl_->shipped_bytes += chunk.size();
    }
  }
  if (chunk.empty()) return OkStatus();
  Status appended = impl_->ship_to->AppendTaskLog(impl_->ref, chunk);
  if (!appended) {
    // Kept for the next Ship(), before what was written since.
    std::lock_guard lock(impl_->mutex);
    impl_->shipped_bytes -= std::min(impl_->shipped_bytes, chunk.size());
    impl_->unshipped.insert(0, chunk);
  }
  return appended;
}

Result<std::string> ReadTaskLog(metadb::MetaStore& store, const std::string& home,
                                const metadb::TaskTryRef& ref) {
  std::string path = TaskLogPath(home, ref.key, ref.try_number);
  if (std::ifstream in(path, std::ios::binary); in) {
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  SLUICE_ASSIGN_OR_RETURN(std::string shipped, store.ReadTaskLog(ref));
  if (shipped.empty()) {
    return Error::NotFound("no log for try {} of task {} in run {}: not at {} nor in {}",
                           ref.try_number, ref.key.task_id, ref.key.run_id, path, store.Describe());
  }
  return shipped;
}

struct Worker::Impl {
  struct Try {
    TaskInstance instance;
    std::shared_ptr<TaskLog> log;
    std::atomic<bool> cancel{false};
    std::atomic<bool> done{false};
    std::thread thread;
  };
  struct CachedPipeline {
    std::string hash;
    std::shared_ptr<const Pipeline> pipeline;
  };

  WorkerOptions options;
  std::unique_ptr<SystemClock> own_clock;
  Clock* clock = nullptr;
  std::string hostname;

  std::mutex mutex;
  std::condition_variable wake_cv;
  bool woken = false;
  bool stopping = false;
  bool started = false;
  std::list<std::unique_ptr<Try>> tries;
  std::thread claim_thread;
  std::thread heartbeat_thread;
  std::mutex pipelines_mutex;
  std::map<std::string, CachedPipeline> pipelines;

  metadb::WorkerRecord Record() const {
    return {.id = options.id,
            .kind = "worker",
            .hostname = hostname,
            .pid = static_cast<int>(::getpid()),
            .queues = options.queues};
  }
  void ShipLog(TaskLog& log) {
    if (Status shipped = log.Ship(); !shipped) {
      spdlog::warn("worker {}: shipping the task log {}: {}", options.id, log.path(),
                   shipped.error().ToString());
    }
  }
  void ClaimLoop();
  void HeartbeatLoop();
  void ReapFinished();  // with mutex held
  Result<std::shared_ptr<const Pipeline>> PipelineFor(const std::string& dag_id);
  void RunTry(Try& attempt);
  bool FinishTry(const Try& attempt, const TaskSpec* task, bool success, std::string outputs,
                 const std::string& log_path);
};

Result<std::shared_ptr<const Pipeline>> Worker::Impl::PipelineFor(const std::string& dag_id) {
  SLUICE_ASSIGN_OR_RETURN(metadb::DagRecord record, options.store->GetDag(dag_id));
  std::lock_guard lock(pipelines_mutex);
  auto it = pipelines.find(dag_id);
  if (it != pipelines.end() && it->second.hash == record.definition_hash) {
    return it->second.pipeline;
  }
  SLUICE_ASSIGN_OR_RETURN(Pipeline loaded, LoadPipelineFile(record.file_path));
  auto pipeline = std::make_shared<const Pipeline>(std::move(loaded));
  pipelines[dag_id] = CachedPipeline{record.definition_hash, pipeline};
  return pipeline;
}

bool Worker::Impl::FinishTry(const Try& attempt, const TaskSpec* task, bool success,
                             std::string outputs, const std::string& log_path) {
  const TaskInstance& instance = attempt.instance;
  metadb::TaskTransition transition;
  if (success) {
    transition = {.key = instance.key,
                  .from = {TaskState::kRunning},
                  .expected_try = instance.try_number,
                  .to = TaskState::kSuccess,
                  .outputs = std::move(outputs)};
  } else if (task) {
    transition = scheduler::FailedTry(instance, *task, clock->Now(), std::move(outputs));
  } else {
    transition = {.key = instance.key,
                  .from = {TaskState::kRunning},
                  .expected_try = instance.try_number,
                  .to = TaskState::kFailed};
  }
  transition.log_location = log_path;
  auto store_start = std::chrono::steady_clock::now();
  auto applied = metadb::TransitionTaskInstance(*options.store, transition);
  ObserveStoreCall("finish_try", std::chrono::steady_clock::now() - store_start);
  if (!applied) {
    spdlog::error("recording task {} of {}: {}", instance.key.task_id, instance.key.run_id,
                  applied.error().ToString());
    return false;
  }
  if (*applied) CountTryFinished(instance.key, transition.to);
  return *applied;
}

void Worker::Impl::RunTry(Try& attempt) {
  const TaskInstance& instance = attempt.instance;
  const metadb::TaskInstanceKey& key = instance.key;
  auto try_start = clock->SteadyNow();
  TaskLog& log = *attempt.log;
  log.Line(fmt::format("try {} of {} on {} by {} (pid {})", instance.try_number,
                       instance.max_tries + 1, hostname, options.id, ::getpid()));
  auto pipeline = PipelineFor(key.dag_id);
  const TaskSpec* task = pipeline ? (*pipeline)->FindTask(key.task_id) : nullptr;
  if (!task) {
    log.Line(pipeline ? fmt::format("error: DAG {} has no task {}", key.dag_id, key.task_id)
                      : "error: " + pipeline.error().ToString());
    FinishTry(attempt, nullptr, false, "{}", log.path());
    ShipLog(log);
    return;
  }
  operators::ProcessSpec spec;
  spec.argv = options.task_command;
  spec.argv.insert(spec.argv.end(), {key.dag_id, key.run_id, key.task_id, "--map-index",
                                     std::to_string(key.map_index)});
  if (task->execution_timeout) spec.timeout = *task->execution_timeout;
  spec.cancel = &attempt.cancel;
  std::string outputs = "{}";
  const operators::ProcessRunner run_process =
      options.run_process ? options.run_process : operators::RunProcess;
  auto result = run_process(spec, [&](std::string_view line) {
    if (line.starts_with("O ")) {
      outputs = std::string(line.substr(2));
    } else if (line.starts_with("L ")) {
      log.Line(line.substr(2));
    } else {
      log.Line(line);
    }
  });
  ObserveTry(key, clock->SteadyNow() - try_start, outputs);
  bool success = false;
  if (!result) {
    log.Line("error: " + result.error().ToString());
  } else if (result->timed_out) {
    log.Line(fmt::format("error: stopped after the execution timeout of {}s",
                         task->execution_timeout->count()));
  } else if (result->cancelled) {
    log.Line("error: stopped: this try is no longer this worker's (cleared, failed or lost)");
  } else if (result->signal != 0) {
    log.Line(fmt::format("error: the task process was killed by signal {}", result->signal));
  } else {
    success = result->exit_code == 0;
  }
  ShipLog(log);  // readable elsewhere by the time the state says the try is over
  bool recorded = FinishTry(attempt, task, success, std::move(outputs), log.path());
  log.Line(fmt::format("task {}{}", success ? "succeeded" : "failed",
                       recorded ? "" : " (not recorded: the try is no longer this worker's)"));
  ShipLog(log);
}

void Worker::Impl::ReapFinished() {
  for (auto it = tries.begin(); it != tries.end();) {
    if ((*it)->done) {
      (*it)->thread.join();
      it = tries.erase(it);
    } else {
      ++it;
    }
  }
}

void Worker::Impl::ClaimLoop() {
  metadb::ClaimRequest request{.worker_id = options.id,
                               .hostname = hostname,
                               .pid = static_cast<int>(::getpid()),
                               .queues = options.queues};
  std::unique_lock lock(mutex);
  while (!stopping) {
    ReapFinished();
    int free = options.slots - static_cast<int>(tries.size());
    std::vector<TaskInstance> claimed;
    if (free > 0) {
      lock.unlock();
      request.limit = free;
      auto claim_start = std::chrono::steady_clock::now();
      auto result = options.store->ClaimTaskInstances(request);
      ObserveStoreCall("claim", std::chrono::steady_clock::now() - claim_start);
      if (result) {
        claimed = std::move(*result);
      } else {
        spdlog::error("worker {}: claiming tasks: {}", options.id, result.error().ToString());
      }
      lock.lock();
    }
    for (TaskInstance& instance : claimed) {
      auto attempt = std::make_unique<Try>();
      attempt->instance = std::move(instance);
      const metadb::TaskInstance& claimed_try = attempt->instance;
      attempt->log = std::make_shared<TaskLog>(
          TaskLogPath(options.home, claimed_try.key, claimed_try.try_number), *clock,
          options.ship_logs ? options.store : nullptr,
          metadb::TaskTryRef{claimed_try.key, claimed_try.try_number});
      Try* raw = attempt.get();
      raw->thread = std::thread([this, raw] {
        RunTry(*raw);
        if (options.on_try_finished) options.on_try_finished();
        {
          std::lock_guard guard(mutex);
          woken = true;
          // Last, under the lock: the claim loop joins a done thread while
          // holding it, so the thread must not need it after this.
          raw->done = true;
        }
        wake_cv.notify_all();
      });
      tries.push_back(std::move(attempt));
    }
    if (!claimed.empty() && static_cast<int>(claimed.size()) == free) continue;
    wake_cv.wait_for(lock, options.poll_interval, [this] { return woken || stopping; });
    woken = false;
  }
  for (auto& attempt : tries) attempt->cancel = true;
  lock.unlock();
  for (auto& attempt : tries) attempt->thread.join();
  lock.lock();
  tries.clear();
}

void Worker::Impl::HeartbeatLoop() {
  std::unique_lock lock(mutex);
  while (!stopping) {
    std::vector<metadb::TaskTryRef> running;
    std::vector<std::shared_ptr<TaskLog>> logs;
    for (auto& attempt : tries) {
      if (attempt->done) continue;
      running.push_back({attempt->instance.key, attempt->instance.try_number});
      logs.push_back(attempt->log);
    }
    lock.unlock();
    SetWorkerLoad(options.id, static_cast<int>(running.size()), options.slots);
    auto beat_start = std::chrono::steady_clock::now();
    auto alive = options.store->Heartbeat(Record(), running);
    ObserveStoreCall("worker_heartbeat", std::chrono::steady_clock::now() - beat_start);
    CountWorkerHeartbeat(options.id, alive.has_value());
    if (!alive) spdlog::warn("worker {}: heartbeat: {}", options.id, alive.error().ToString());
    for (const auto& log : logs) ShipLog(*log);
    lock.lock();
    // Under the lock, as the claim loop frees the tries that ended meanwhile.
    for (size_t i = 0; alive && i < running.size(); ++i) {
      if ((*alive)[i]) continue;
      for (auto& attempt : tries) {
        if (attempt->instance.key == running[i].key &&
            attempt->instance.try_number == running[i].try_number) {
          attempt->cancel = true;
        }
      }
    }
    wake_cv.wait_for(lock, options.heartbeat_interval, [this] { return stopping; });
  }
}

Worker::Worker(WorkerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  if (impl_->options.clock == nullptr) {
    impl_->own_clock = std::make_unique<SystemClock>();
    impl_->clock = impl_->own_clock.get();
  } else {
    impl_->clock = impl_->options.clock;
  }
  impl_->hostname = Hostname();
  if (impl_->options.id.empty()) {
    impl_->options.id = fmt::format("worker-{}-{}", impl_->hostname, ::getpid());
  }
}

Worker::~Worker() { Stop(); }

const std::string& Worker::id() const { return impl_->options.id; }

Status Worker::Start() {
  Impl& impl = *impl_;
  if (impl.options.store == nullptr || impl.options.home.empty() ||
      impl.options.task_command.empty() || impl.options.slots < 1) {
    return Error::InvalidArgument(
        "worker: a store, a home, a task command and slots >= 1 are needed");
  }
  SLUICE_TRY(impl.options.store->Heartbeat(impl.Record(), {}));
  std::lock_guard lock(impl.mutex);
  if (impl.started) return OkStatus();
  impl.started = true;
  impl.stopping = false;
  impl.claim_thread = std::thread([&impl] { impl.ClaimLoop(); });
  impl.heartbeat_thread = std::thread([&impl] { impl.HeartbeatLoop(); });
  return OkStatus();
}

void Worker::Stop() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    if (!impl.started || impl.stopping) return;
    impl.stopping = true;
  }
  impl.wake_cv.notify_all();
  if (impl.claim_thread.joinable()) impl.claim_thread.join();
  if (impl.heartbeat_thread.joinable()) impl.heartbeat_thread.join();
  (void)impl.options.store->SetWorkerState(impl.options.id, metadb::WorkerState::kStopped);
}

void Worker::Wake() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->woken = true;
  }
  impl_->wake_cv.notify_all();
}

}  // namespace sluice::executor
