// The scheduler's overhead on a SQLite store, every state change persisted:
//   chain   a chain of N no-op tasks: trigger to done, and per step;
//   fanout  N independent no-op tasks in one run: trigger to done, tasks/s;
//   cron    D DAGs on a one-minute schedule for M minutes: how late runs start.
// Usage: orchestration_bench [--chain N] [--fanout N] [--cron-dags D] [--cron-minutes M]
// Prints one JSON object per measurement.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "metadb/metadb.h"
#include "scheduler/scheduler.h"

namespace sluice {
namespace {

struct Workspace {
  std::filesystem::path folder;
  std::unique_ptr<metadb::MetaStore> store;
  SystemClock clock;

  explicit Workspace(const std::string& name) {
    folder = std::filesystem::temp_directory_path() /
             fmt::format("sluice-orchestration-bench-{}-{}", ::getpid(), name);
    std::filesystem::remove_all(folder);
    std::filesystem::create_directories(folder / "dags");
    auto url = Url::Parse("sqlite://" + (folder / "meta.db").string());
    auto opened = metadb::OpenMetaStore(*url, {.clock = &clock});
    if (!opened) throw std::runtime_error(opened.error().ToString());
    store = std::move(*opened);
    if (auto migrated = store->Migrate(); !migrated) {
      throw std::runtime_error(migrated.error().ToString());
    }
  }
  ~Workspace() {
    store.reset();
    std::filesystem::remove_all(folder);
  }
  void WriteDag(const std::string& dag_id, const std::string& yaml) const {
    std::ofstream(folder / "dags" / (dag_id + ".yaml")) << yaml;
  }
  std::string dags() const { return (folder / "dags").string(); }
};

double Seconds(std::chrono::steady_clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// Triggers one run and passes until it ends; returns the wall time.
double RunToEnd(Workspace& workspace, const std::string& dag_id) {
  scheduler::Scheduler scheduler({.store = workspace.store.get(), .dags_folder = workspace.dags()});
  if (auto synced = scheduler.SyncDags(); !synced)
    throw std::runtime_error(synced.error().ToString());
  auto pipeline = scheduler.PipelineOf(dag_id);
  auto start = std::chrono::steady_clock::now();
  auto run =
      workspace.store->CreateRun(scheduler::BuildManualRun(*pipeline, {}, workspace.clock.Now()));
  if (!run) throw std::runtime_error(run.error().ToString());
  while (true) {
    auto pass = scheduler.RunOnce();
    if (!pass) throw std::runtime_error(pass.error().ToString());
    if (pass->runs_finished > 0) break;
    if (!pass->changed()) throw std::runtime_error("the run stopped moving");
  }
  double seconds = Seconds(std::chrono::steady_clock::now() - start);
  auto done = workspace.store->GetRun(dag_id, run->run_id);
  if (!done || done->state != metadb::DagRunState::kSuccess) throw std::runtime_error("run failed");
  return seconds;
}

nlohmann::json Chain(int length) {
  Workspace workspace("chain");
  std::string yaml = "dag_id: chain\ntasks:\n  step0: {kind: noop}\n";
  for (int i = 1; i < length; ++i) {
    yaml += fmt::format("  step{}: {{kind: noop, upstream: [step{}]}}\n", i, i - 1);
  }
  workspace.WriteDag("chain", yaml);
  double seconds = RunToEnd(workspace, "chain");
  return {{"workload", "chain"},
          {"tasks", length},
          {"seconds", seconds},
          {"ms_per_step", seconds * 1000 / length}};
}

nlohmann::json Fanout(int width) {
  Workspace workspace("fanout");
  std::string yaml = "dag_id: fanout\ntasks:\n";
  for (int i = 0; i < width; ++i) yaml += fmt::format("  t{}: {{kind: noop}}\n", i);
  workspace.WriteDag("fanout", yaml);
  double seconds = RunToEnd(workspace, "fanout");
  return {{"workload", "fanout"},
          {"tasks", width},
          {"seconds", seconds},
          {"tasks_per_second", width / seconds}};
}

// The scheduler loop as `sluice scheduler` runs it, against the wall clock.
nlohmann::json Cron(int dag_count, int minutes) {
  Workspace workspace("cron");
  for (int i = 0; i < dag_count; ++i) {
    workspace.WriteDag(
        fmt::format("every_minute_{}", i),
        fmt::format("dag_id: every_minute_{}\nschedule: \"* * * * *\"\n"
                    "tasks:\n  a: {{kind: noop}}\n  b: {{kind: noop, upstream: [a]}}\n",
                    i));
  }
  scheduler::Scheduler scheduler({.store = workspace.store.get(), .dags_folder = workspace.dags()});
  auto started = workspace.clock.Now();
  std::thread loop([&] { (void)scheduler.Run(); });
  std::this_thread::sleep_for(std::chrono::minutes(minutes));
  scheduler.Stop();
  loop.join();
  auto runs = workspace.store->ListRuns({.run_type = metadb::RunType::kScheduled});
  if (!runs) throw std::runtime_error(runs.error().ToString());
  double worst = 0;
  int counted = 0;
  for (const metadb::DagRun& run : runs->items) {
    // The first run of each DAG is the interval that had already ended at start.
    if (*run.data_interval_end <= started) continue;
    double late = std::chrono::duration<double>(*run.start_date - *run.data_interval_end).count();
    worst = std::max(worst, late);
    ++counted;
  }
  return {{"workload", "cron"},
          {"dags", dag_count},
          {"minutes", minutes},
          {"runs", counted},
          {"max_start_delay_seconds", worst}};
}

}  // namespace
}  // namespace sluice

int main(int argc, char** argv) {
  int chain = 100, fanout = 10000, cron_dags = 100, cron_minutes = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int value = std::atoi(argv[i + 1]);
    if (flag == "--chain") chain = value;
    if (flag == "--fanout") fanout = value;
    if (flag == "--cron-dags") cron_dags = value;
    if (flag == "--cron-minutes") cron_minutes = value;
  }
  try {
    if (chain > 0) std::cout << sluice::Chain(chain).dump() << std::endl;
    if (fanout > 0) std::cout << sluice::Fanout(fanout).dump() << std::endl;
    if (cron_minutes > 0) std::cout << sluice::Cron(cron_dags, cron_minutes).dump() << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "orchestration_bench: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
