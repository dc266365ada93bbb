// A scheduler and a worker on one store, with real child processes: a small
// shell script stands in for `sluice tasks execute` and behaves as the task's
// name says.
#include <sys/stat.h>

#include <thread>

#include "executor/executor.h"
#include "scheduler/scheduler_fixture.h"

namespace sluice::executor {
namespace {

using metadb::DagRunState;
using metadb::TaskState;
using scheduler::testing::At;
using scheduler::testing::Backend;

// $1 dag, $2 run, $3 task: "ok*" succeeds with outputs, "fail*" fails,
// "flaky*" fails on its first try only, "hang*" sleeps.
constexpr std::string_view kTaskScript = R"(#!/bin/sh
case "$3" in
  ok*) echo "L hello from $3"; echo "O {\"records_out\": 7}"; exit 0 ;;
  fail*) echo "L about to fail"; echo "plain stderr line" >&2; exit 3 ;;
  flaky*) if [ -e "$MARKER_DIR/$3" ]; then echo "O {}"; exit 0; fi
          touch "$MARKER_DIR/$3"; exit 1 ;;
  hang*) echo "L hanging"; exec sleep 60 ;;
esac
exit 9
)";

class WorkerTest : public scheduler::testing::SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    script_ = (folder_ / "task.sh").string();
    std::ofstream(script_) << kTaskScript;
    ::chmod(script_.c_str(), 0755);
    ::setenv("MARKER_DIR", folder_.c_str(), 1);
  }

  // A real-time scheduler loop and a worker, as `sluice standalone` runs them.
  void Start(WorkerOptions options = {}) {
    auto store = metadb::OpenMetaStore(database_->url(), {.clock = &system_clock_});
    ASSERT_TRUE(store) << store.error().ToString();
    live_store_ = std::move(*store);
    scheduler_ = std::make_unique<scheduler::Scheduler>(
        scheduler::SchedulerOptions{.store = live_store_.get(),
                                    .clock = &system_clock_,
                                    .dags_folder = (folder_ / "dags").string(),
                                    .poll_interval = std::chrono::milliseconds(50),
                                    .on_tasks_queued = [this] { worker_->Wake(); }});
    options.store = live_store_.get();
    options.clock = &system_clock_;
    options.home = (folder_ / "home").string();
    options.task_command = {script_};
    options.heartbeat_interval = std::chrono::milliseconds(100);
    options.poll_interval = std::chrono::milliseconds(50);
    options.on_try_finished = [this] { scheduler_->Wake(); };
    worker_ = std::make_unique<Worker>(std::move(options));
    SLUICE_ASSERT_OK(scheduler_->SyncDags());
    SLUICE_ASSERT_OK(worker_->Start());
    loop_ = std::thread([this] { (void)scheduler_->Run(); });
  }
  void TearDown() override {
    if (scheduler_) scheduler_->Stop();
    if (loop_.joinable()) loop_.join();
    if (worker_) worker_->Stop();
    worker_.reset();
    SchedulerTest::TearDown();
  }

  metadb::DagRun TriggerLive(const std::string& dag_id) {
    auto pipeline = scheduler_->PipelineOf(dag_id);
    EXPECT_TRUE(pipeline);
    auto run = live_store_->CreateRun(scheduler::BuildManualRun(
        *pipeline, {.logical_date = At("2025-03-12")}, system_clock_.Now()));
    EXPECT_TRUE(run) << run.error().ToString();
    scheduler_->Wake();
    return run ? *run : metadb::DagRun{};
  }

  DagRunState WaitForRun(const std::string& dag_id, const std::string& run_id,
                         std::chrono::seconds timeout = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto run = live_store_->GetRun(dag_id, run_id);
      if (run && (run->state == DagRunState::kSuccess || run->state == DagRunState::kFailed)) {
        return run->state;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "run " << run_id << " did not finish in " << timeout.count() << "s";
    return DagRunState::kRunning;
  }

  template <typename Predicate>
  bool WaitFor(Predicate predicate, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::string ReadLog(const metadb::TaskInstanceKey& key, int try_number) {
    std::ifstream in(TaskLogPath((folder_ / "home").string(), key, try_number));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  SystemClock system_clock_;
  std::unique_ptr<metadb::MetaStore> live_store_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<Worker> worker_;
  std::thread loop_;
  std::string script_;
};

TEST_P(WorkerTest, RunsTasksInChildProcessesAndRecordsOutputsAndLogs) {
  WriteDag("flow", R"(dag_id: flow
tasks:
  ok_first: {kind: command, command: "true"}
  ok_second: {kind: command, command: "true", upstream: [ok_first]}
  fail_third: {kind: command, command: "true", upstream: [ok_second]}
  after_failure: {kind: noop, upstream: [fail_third]}
)");
  Start();
  metadb::DagRun run = TriggerLive("flow");
  EXPECT_EQ(WaitForRun("flow", run.run_id), DagRunState::kFailed);
  auto ok = live_store_->GetTaskInstance({"flow", run.run_id, "ok_second", -1});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->state, TaskState::kSuccess);
  EXPECT_EQ(ok->outputs, R"({"records_out": 7})");
  EXPECT_FALSE(ok->hostname.empty());
  EXPECT_EQ(ok->worker_id, worker_->id());
  EXPECT_NE(ReadLog(ok->key, 1).find("hello from ok_second"), std::string::npos);
  auto failed = live_store_->GetTaskInstance({"flow", run.run_id, "fail_third", -1});
  EXPECT_EQ(failed->state, TaskState::kFailed);
  std::string log = ReadLog(failed->key, 1);
  EXPECT_NE(log.find("about to fail"), std::string::npos) << log;
  EXPECT_NE(log.find("plain stderr line"), std::string::npos) << log;
  EXPECT_NE(log.find("task failed"), std::string::npos) << log;
  EXPECT_EQ(live_store_->GetTaskInstance({"flow", run.run_id, "after_failure", -1})->state,
            TaskState::kUpstreamFailed);
}

TEST_P(WorkerTest, AWorkerShippingLogsLetsAnotherHostReadThem) {
  WriteDag("shipped", R"(dag_id: shipped
tasks:
  ok_one: {kind: command, command: "true"}
  fail_two: {kind: command, command: "true", upstream: [ok_one]}
)");
  WorkerOptions options;
  options.ship_logs = true;
  Start(std::move(options));
  metadb::DagRun run = TriggerLive("shipped");
  EXPECT_EQ(WaitForRun("shipped", run.run_id), DagRunState::kFailed);
  metadb::TaskTryRef ok{{"shipped", run.run_id, "ok_one", -1}, 1};
  metadb::TaskTryRef failed{{"shipped", run.run_id, "fail_two", -1}, 1};
  ASSERT_TRUE(WaitFor([&] {
    auto log = live_store_->ReadTaskLog(failed);
    return log && log->find("task failed") != std::string::npos;
  }));
  std::string other_host_home = (folder_ / "elsewhere").string();
  auto log = ReadTaskLog(*live_store_, other_host_home, ok);
  ASSERT_TRUE(log) << log.error().ToString();
  EXPECT_EQ(*log, ReadLog(ok.key, 1));
  EXPECT_NE(log->find("hello from ok_one"), std::string::npos) << *log;
  log = ReadTaskLog(*live_store_, other_host_home, failed);
  ASSERT_TRUE(log) << log.error().ToString();
  EXPECT_NE(log->find("plain stderr line"), std::string::npos) << *log;
  auto missing = ReadTaskLog(*live_store_, other_host_home, {ok.key, 2});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), Code::kNotFound);
}

TEST_P(WorkerTest, AWorkerNotShippingLogsKeepsThemOnItsDisk) {
  WriteDag("local", R"(dag_id: local
tasks:
  ok_one: {kind: command, command: "true"}
)");
  Start();
  metadb::DagRun run = TriggerLive("local");
  EXPECT_EQ(WaitForRun("local", run.run_id), DagRunState::kSuccess);
  metadb::TaskTryRef ok{{"local", run.run_id, "ok_one", -1}, 1};
  auto shipped = live_store_->ReadTaskLog(ok);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(*shipped, "");
  auto log = ReadTaskLog(*live_store_, (folder_ / "home").string(), ok);
  ASSERT_TRUE(log) << log.error().ToString();
  EXPECT_NE(log->find("hello from ok_one"), std::string::npos);
}

TEST_P(WorkerTest, AFailedTryIsRetriedAndTheSecondTrySucceeds) {
  WriteDag("retry", R"(dag_id: retry
tasks:
  flaky: {kind: command, command: "true", retries: 2, retry_delay: 1s}
)");
  Start();
  metadb::DagRun run = TriggerLive("retry");
  EXPECT_EQ(WaitForRun("retry", run.run_id), DagRunState::kSuccess);
  auto flaky = live_store_->GetTaskInstance({"retry", run.run_id, "flaky", -1});
  EXPECT_EQ(flaky->try_number, 2);
  auto tries = live_store_->ListTaskTries(flaky->key);
  ASSERT_TRUE(tries);
  ASSERT_EQ(tries->size(), 2u);
  EXPECT_EQ((*tries)[0].state, TaskState::kUpForRetry);
  // The retry waited for its delay.
  EXPECT_GE(*(*tries)[1].start_date - *(*tries)[0].end_date, std::chrono::milliseconds(900));
}

TEST_P(WorkerTest, ATryPastItsExecutionTimeoutIsStoppedAndFails) {
  WriteDag("slow", R"(dag_id: slow
tasks:
  hang: {kind: command, command: "true", execution_timeout: 1s}
)");
  Start();
  auto started = std::chrono::steady_clock::now();
  metadb::DagRun run = TriggerLive("slow");
  EXPECT_EQ(WaitForRun("slow", run.run_id), DagRunState::kFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(15));
  std::string log = ReadLog({"slow", run.run_id, "hang", -1}, 1);
  EXPECT_NE(log.find("execution timeout"), std::string::npos) << log;
}

TEST_P(WorkerTest, AClearedRunningTryIsStoppedAndItsLateResultRefused) {
  WriteDag("clear", R"(dag_id: clear
tasks:
  hang: {kind: command, command: "true"}
)");
  Start();
  metadb::DagRun run = TriggerLive("clear");
  metadb::TaskInstanceKey key{"clear", run.run_id, "hang", -1};
  ASSERT_TRUE(WaitFor([&] {
    auto ti = live_store_->GetTaskInstance(key);
    return ti && ti->state == TaskState::kRunning;
  }));
  SLUICE_ASSERT_OK(live_store_->ClearTaskInstances({.dag_id = "clear", .run_ids = {run.run_id}}));
  // The worker hears it on its next heartbeat and stops the process; the
  // scheduler queues a second try, which hangs again.
  ASSERT_TRUE(WaitFor([&] {
    return ReadLog(key, 1).find("no longer this worker's") != std::string::npos;
  })) << ReadLog(key, 1);
  ASSERT_TRUE(WaitFor([&] {
    auto ti = live_store_->GetTaskInstance(key);
    return ti && ti->try_number == 2 && ti->state == TaskState::kRunning;
  }));
}

// The same tries started by forks of a process host (whose children exec the
// task script) rather than as programs: outputs, logs, failures and timeouts alike.
TEST_P(WorkerTest, TriesStartedThroughAProcessHostEndAsProgramsDo) {
  WriteDag("hosted", R"(dag_id: hosted
tasks:
  ok_first: {kind: command, command: "true"}
  fail_second: {kind: command, command: "true", upstream: [ok_first]}
  hang_beside: {kind: command, command: "true", execution_timeout: 1s}
)");
  operators::ProcessHost host({SLUICE_PROCESS_HOST_HELPER});
  operators::ProcessHost* hosting = &host;
  Start({.run_process = [hosting](const operators::ProcessSpec& spec,
                                  const operators::LineFn& on_line) {
    return hosting->Run(spec, on_line);
  }});
  metadb::DagRun run = TriggerLive("hosted");
  EXPECT_EQ(WaitForRun("hosted", run.run_id), DagRunState::kFailed);
  auto ok = live_store_->GetTaskInstance({"hosted", run.run_id, "ok_first", -1});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->state, TaskState::kSuccess);
  EXPECT_EQ(ok->outputs, R"({"records_out": 7})");
  EXPECT_NE(ReadLog(ok->key, 1).find("hello from ok_first"), std::string::npos);
  std::string failed = ReadLog({"hosted", run.run_id, "fail_second", -1}, 1);
  EXPECT_NE(failed.find("plain stderr line"), std::string::npos) << failed;
  EXPECT_NE(failed.find("task failed"), std::string::npos) << failed;
  std::string hung = ReadLog({"hosted", run.run_id, "hang_beside", -1}, 1);
  EXPECT_NE(hung.find("execution timeout"), std::string::npos) << hung;
  scheduler_->Stop();  // the worker stops before the host it uses
  loop_.join();
  worker_->Stop();
  worker_.reset();
}

TEST_P(WorkerTest, AWorkerServesOnlyItsQueues) {
  WriteDag("queues", R"(dag_id: queues
tasks:
  ok_default: {kind: command, command: "true"}
  ok_load: {kind: command, command: "true", queue: load}
)");
  Start({.queues = {"load"}});
  metadb::DagRun run = TriggerLive("queues");
  ASSERT_TRUE(WaitFor([&] {
    auto ti = live_store_->GetTaskInstance({"queues", run.run_id, "ok_load", -1});
    return ti && ti->state == TaskState::kSuccess;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(live_store_->GetTaskInstance({"queues", run.run_id, "ok_default", -1})->state,
            TaskState::kQueued);
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkerTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         scheduler::testing::BackendName);

}  // namespace
}  // namespace sluice::executor
