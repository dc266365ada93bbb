// `sluice backfill <dag_id> --start D1 --end D2`: one run per schedule
// interval whose logical date falls in [D1, D2], run by a scheduler and
// workers in this process (and by any scheduler sharing the store). Run it
// again after an interruption and it resumes: runs already there are kept.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "cli/store.h"
#include "executor/executor.h"
#include "scheduler/scheduler.h"

namespace sluice::cli {
namespace {

struct BackfillArgs {
  std::string dag_id;
  std::string start;
  std::string end;
  int max_active_runs = 10;
  std::string reprocess = "none";
  std::string conf = "{}";
  int slots = 4;
};

Result<metadb::Backfill> CreateOrResume(metadb::MetaStore& store, const metadb::Backfill& wanted) {
  auto created = store.CreateBackfill(wanted);
  if (created || created.error().code() != Code::kAlreadyExists) return created;
  SLUICE_ASSIGN_OR_RETURN(auto open, store.ListBackfills(wanted.dag_id, false));
  for (const metadb::Backfill& backfill : open) {
    if (backfill.from_date == wanted.from_date && backfill.to_date == wanted.to_date) {
      fmt::print("resuming backfill {} of {}\n", backfill.id, backfill.dag_id);
      return backfill;
    }
  }
  return std::move(created).error().Hint(
      "an unfinished backfill of {} covers other dates: run it again with its dates to finish it",
      wanted.dag_id);
}

// The runs of the backfill: new ones created, existing ones kept or cleared
// per the reprocess behaviour. Returns their run ids.
Result<std::vector<std::string>> PlanRuns(metadb::MetaStore& store, const Pipeline& pipeline,
                                          const metadb::Backfill& backfill) {
  SLUICE_ASSIGN_OR_RETURN(
      auto intervals, scheduler::BackfillIntervals(pipeline, backfill.from_date, backfill.to_date));
  std::vector<std::string> run_ids;
  for (const DataInterval& interval : intervals) {
    SLUICE_ASSIGN_OR_RETURN(auto existing, store.ListRuns({.dag_id = pipeline.dag_id,
                                                           .logical_date_gte = interval.start,
                                                           .logical_date_lte = interval.start}));
    if (existing.items.empty()) {
      metadb::NewRun new_run =
          scheduler::BuildIntervalRun(pipeline, metadb::RunType::kBackfill, interval.start,
                                      interval.end, backfill.dag_run_conf);
      new_run.run.backfill_id = backfill.id;
      SLUICE_ASSIGN_OR_RETURN(metadb::DagRun run, store.CreateRun(new_run));
      run_ids.push_back(run.run_id);
      continue;
    }
    const metadb::DagRun& run = existing.items.front();
    run_ids.push_back(run.run_id);
    bool failed = run.state == metadb::DagRunState::kFailed;
    bool done = failed || run.state == metadb::DagRunState::kSuccess;
    bool reprocess = (backfill.reprocess_behavior == "failed" && failed) ||
                     (backfill.reprocess_behavior == "completed" && done);
    if (!reprocess) continue;
    metadb::ClearRequest clear{.dag_id = pipeline.dag_id, .run_ids = {run.run_id}};
    if (failed && backfill.reprocess_behavior == "failed") {
      clear.only_states = {metadb::TaskState::kFailed, metadb::TaskState::kUpstreamFailed};
    }
    SLUICE_TRY(store.ClearTaskInstances(clear));
  }
  return run_ids;
}

bool WaitForStopOr(std::chrono::milliseconds timeout) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  timespec wait{.tv_sec = timeout.count() / 1000, .tv_nsec = (timeout.count() % 1000) * 1000000};
  return sigtimedwait(&signals, nullptr, &wait) > 0;
}

Status RunBackfill(CommandContext& context, const BackfillArgs& args) {
  const Config& config = context.config;
  SLUICE_ASSIGN_OR_RETURN(Pipeline pipeline, FindDag(config, args.dag_id));
  nlohmann::json conf = nlohmann::json::parse(args.conf, nullptr, false);
  if (!conf.is_object())
    return Error::InvalidArgument("--conf: expected a JSON object, got {}", args.conf);
  const std::string& zone = pipeline.schedule.timezone;
  metadb::Backfill wanted{.dag_id = pipeline.dag_id,
                          .dag_run_conf = conf.dump(),
                          .reprocess_behavior = args.reprocess,
                          .max_active_runs = args.max_active_runs};
  SLUICE_ASSIGN_OR_RETURN(wanted.from_date, ParseIsoTime(args.start, zone));
  SLUICE_ASSIGN_OR_RETURN(wanted.to_date, ParseIsoTime(args.end, zone));
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(config));
  SLUICE_TRY(SyncDagsFolder(config, *store));
  SLUICE_ASSIGN_OR_RETURN(metadb::Backfill backfill, CreateOrResume(*store, wanted));
  SLUICE_ASSIGN_OR_RETURN(std::vector<std::string> run_ids, PlanRuns(*store, pipeline, backfill));
  fmt::print("backfill {} of {}: {} runs from {} to {}, at most {} at once\n", backfill.id,
             pipeline.dag_id, run_ids.size(), args.start, args.end, backfill.max_active_runs);
  std::fflush(stdout);

  BlockStopSignals();
  executor::Worker* worker_to_wake = nullptr;
  scheduler::Scheduler scheduler(
      {.store = store.get(),
       .dags_folder = config.dags_folder,
       .only_dag_id = pipeline.dag_id,
       .create_scheduled_runs = false,
       .on_tasks_queued = [&worker_to_wake] { worker_to_wake->Wake(); }});
  std::unique_ptr<operators::ProcessHost> task_host = TaskHost();
  executor::Worker worker({.store = store.get(),
                           .home = config.home,
                           .slots = args.slots,
                           .task_command = TaskCommand(),
                           .run_process = ProcessRunnerOf(task_host.get()),
                           .on_try_finished = [&scheduler] { scheduler.Wake(); }});
  worker_to_wake = &worker;
  SLUICE_TRY(worker.Start());
  Status loop_outcome;
  std::thread loop([&] { loop_outcome = scheduler.Run(); });

  std::set<std::string> pending(run_ids.begin(), run_ids.end());
  int failed = 0;
  bool interrupted = false;
  while (!pending.empty() && !interrupted) {
    interrupted = WaitForStopOr(std::chrono::milliseconds(200));
    for (auto it = pending.begin(); it != pending.end();) {
      auto run = store->GetRun(pipeline.dag_id, *it);
      bool done = run && (run->state == metadb::DagRunState::kSuccess ||
                          run->state == metadb::DagRunState::kFailed);
      if (!done) {
        ++it;
        continue;
      }
      failed += run->state == metadb::DagRunState::kFailed ? 1 : 0;
      fmt::print("  {} {}\n", *it, metadb::DagRunStateName(run->state));
      std::fflush(stdout);
      it = pending.erase(it);
    }
  }
  scheduler.Stop();
  loop.join();
  worker.Stop();
  SLUICE_TRY(loop_outcome);
  if (interrupted) {
    return Error::Aborted(
        "backfill {} interrupted with {} runs left: run the same command to resume", backfill.id,
        pending.size());
  }
  SLUICE_TRY(store->CompleteBackfill(backfill.id));
  fmt::print("backfill {} done: {} runs, {} failed\n", backfill.id, run_ids.size(), failed);
  if (failed > 0)
    return Error::Internal("backfill {}: {} of {} runs failed", backfill.id, failed,
                           run_ids.size());
  return OkStatus();
}

}  // namespace

void AddBackfillCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<BackfillArgs>();
  CLI::App* backfill = app.add_subcommand(
      "backfill", "Run a DAG for every schedule interval between two dates (resumable)");
  backfill->add_option("dag_id", args->dag_id)->required();
  backfill->add_option("--start,-s", args->start, "First logical date (ISO date or time)")
      ->required();
  backfill->add_option("--end,-e", args->end, "Last logical date (ISO date or time)")->required();
  backfill->add_option("--max-active-runs", args->max_active_runs, "Runs at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  backfill
      ->add_option("--reprocess", args->reprocess,
                   "Dates that already have a run: none (keep), failed, completed")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "failed", "completed"}));
  backfill->add_option("--conf,-c", args->conf, "The runs' conf, a JSON object");
  backfill->add_option("--slots", args->slots, "Tasks run at once")->capture_default_str();
  backfill->callback([&context, args] { context.outcome = RunBackfill(context, *args); });
}

}  // namespace sluice::cli
