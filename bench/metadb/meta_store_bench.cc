// How many task instance state changes per second the metadata store persists.
//
// Each iteration takes 10,000 no-op task instances of a fresh run through
// none -> scheduled -> queued -> running -> success (40,000 persisted state
// changes), in batches of range(0) transitions per transaction, as a scheduler
// and executor do. items_per_second counts state changes. The orchestration
// target is 10,000 tasks (40,000 changes) in under 2 s on SQLite.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>

#include "metadb/metadb.h"
#include "metadb/test_database.h"

namespace sluice::metadb {
namespace {

using testing::Backend;
using testing::TestDatabase;

constexpr int kTasks = 10000;

struct Fixture {
  std::unique_ptr<TestDatabase> database;
  std::unique_ptr<MetaStore> store;
  int runs = 0;
};

// nullptr (and the benchmark skipped) when the backend is unreachable.
std::unique_ptr<Fixture> Open(Backend backend, benchmark::State& state) {
  auto fixture = std::make_unique<Fixture>();
  auto database = TestDatabase::Create(backend);
  if (!database) {
    state.SkipWithError(database.error().ToString().c_str());
    return nullptr;
  }
  fixture->database = std::move(*database);
  auto store = OpenMetaStore(fixture->database->url());
  if (!store || !(*store)->Migrate()) {
    state.SkipWithError("cannot open or migrate the store");
    return nullptr;
  }
  fixture->store = std::move(*store);
  DagRecord dag{
      .dag_id = "bench", .file_path = "/bench.yaml", .definition_hash = "h", .definition = "{}"};
  if (!fixture->store->SyncDags({.dags = {dag}, .complete = false})) {
    state.SkipWithError("cannot sync the DAG");
    return nullptr;
  }
  return fixture;
}

bool CreateRun(Fixture& fixture, int tasks, TaskState initial) {
  NewRun run;
  run.run.dag_id = "bench";
  run.run.run_id = "run_" + std::to_string(++fixture.runs);
  run.run.run_after = std::chrono::system_clock::now();
  run.task_instances.reserve(tasks);
  for (int i = 0; i < tasks; ++i) {
    run.task_instances.push_back({.task_id = "noop_" + std::to_string(i), .state = initial});
  }
  return fixture.store->CreateRun(run).has_value();
}

bool Step(Fixture& fixture, int batch, TaskState from, TaskState to, bool new_try) {
  std::string run_id = "run_" + std::to_string(fixture.runs);
  std::vector<TaskTransition> transitions;
  transitions.reserve(batch);
  for (int start = 0; start < kTasks; start += batch) {
    transitions.clear();
    for (int i = start; i < std::min(kTasks, start + batch); ++i) {
      transitions.push_back({.key = {"bench", run_id, "noop_" + std::to_string(i), -1},
                             .from = {from},
                             .to = to,
                             .new_try = new_try});
    }
    auto applied = fixture.store->TransitionTaskInstances(transitions);
    if (!applied) return false;
  }
  return true;
}

void StateChanges(benchmark::State& state, Backend backend) {
  std::unique_ptr<Fixture> fixture = Open(backend, state);
  if (!fixture) return;
  int batch = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    bool created = CreateRun(*fixture, kTasks, TaskState::kNone);
    state.ResumeTiming();
    if (!created || !Step(*fixture, batch, TaskState::kNone, TaskState::kScheduled, false) ||
        !Step(*fixture, batch, TaskState::kScheduled, TaskState::kQueued, true) ||
        !Step(*fixture, batch, TaskState::kQueued, TaskState::kRunning, false) ||
        !Step(*fixture, batch, TaskState::kRunning, TaskState::kSuccess, false)) {
      state.SkipWithError("a transition failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kTasks * 4);
}

// Claims of queued task instances, range(0) per claim, then success each.
void Claims(benchmark::State& state, Backend backend) {
  std::unique_ptr<Fixture> fixture = Open(backend, state);
  if (!fixture) return;
  int limit = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    bool created = CreateRun(*fixture, kTasks, TaskState::kQueued);
    state.ResumeTiming();
    if (!created) {
      state.SkipWithError("cannot create the run");
      return;
    }
    for (;;) {
      auto claimed = fixture->store->ClaimTaskInstances({.worker_id = "bench", .limit = limit});
      if (!claimed) {
        state.SkipWithError(claimed.error().ToString().c_str());
        return;
      }
      if (claimed->empty()) break;
      std::vector<TaskTransition> done;
      for (const TaskInstance& ti : *claimed) {
        done.push_back({.key = ti.key,
                        .from = {TaskState::kRunning},
                        .expected_try = ti.try_number,
                        .to = TaskState::kSuccess});
      }
      if (!fixture->store->TransitionTaskInstances(done)) {
        state.SkipWithError("a transition failed");
        return;
      }
    }
  }
  state.SetItemsProcessed(state.iterations() * kTasks * 2);
}

BENCHMARK_CAPTURE(StateChanges, Sqlite, Backend::kSqlite)
    ->Arg(1)
    ->Arg(100)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(StateChanges, Postgres, Backend::kPostgres)
    ->Arg(100)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);
BENCHMARK_CAPTURE(Claims, Sqlite, Backend::kSqlite)
    ->Arg(1)
    ->Arg(50)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(Claims, Postgres, Backend::kPostgres)
    ->Arg(50)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(2);

}  // namespace
}  // namespace sluice::metadb

BENCHMARK_MAIN();
