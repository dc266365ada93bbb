// Names of states, the URL factory and the conveniences over any MetaStore.
#include <array>
#include <utility>

#include "metadb/metadb.h"
#include "metadb/sql.h"
#include "metadb/sql_store.h"

namespace sluice::metadb {
namespace {

constexpr std::array<std::pair<RunType, std::string_view>, 3> kRunTypeNames = {{
    {RunType::kScheduled, "scheduled"},
    {RunType::kManual, "manual"},
    {RunType::kBackfill, "backfill"},
}};
constexpr std::array<std::pair<DagRunState, std::string_view>, 4> kDagRunStateNames = {{
    {DagRunState::kQueued, "queued"},
    {DagRunState::kRunning, "running"},
    {DagRunState::kSuccess, "success"},
    {DagRunState::kFailed, "failed"},
}};
constexpr std::array<std::pair<TaskState, std::string_view>, 10> kTaskStateNames = {{
    {TaskState::kNone, "none"},
    {TaskState::kScheduled, "scheduled"},
    {TaskState::kQueued, "queued"},
    {TaskState::kRunning, "running"},
    {TaskState::kSuccess, "success"},
    {TaskState::kFailed, "failed"},
    {TaskState::kUpForRetry, "up_for_retry"},
    {TaskState::kUpstreamFailed, "upstream_failed"},
    {TaskState::kSkipped, "skipped"},
    {TaskState::kRemoved, "removed"},
}};
constexpr std::array<std::pair<WorkerState, std::string_view>, 3> kWorkerStateNames = {{
    {WorkerState::kActive, "active"},
    {WorkerState::kStopped, "stopped"},
    {WorkerState::kLost, "lost"},
}};

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& names,
                          std::string_view text) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view RunTypeName(RunType type) { return NameOf(kRunTypeNames, type); }
std::string_view DagRunStateName(DagRunState state) { return NameOf(kDagRunStateNames, state); }
std::string_view TaskStateName(TaskState state) { return NameOf(kTaskStateNames, state); }
std::string_view WorkerStateName(WorkerState state) { return NameOf(kWorkerStateNames, state); }
std::optional<RunType> ParseRunType(std::string_view name) { return Parse(kRunTypeNames, name); }
std::optional<DagRunState> ParseDagRunState(std::string_view name) {
  return Parse(kDagRunStateNames, name);
}
std::optional<TaskState> ParseTaskState(std::string_view name) {
  return Parse(kTaskStateNames, name);
}
std::optional<WorkerState> ParseWorkerState(std::string_view name) {
  return Parse(kWorkerStateNames, name);
}

bool IsFinished(TaskState state) {
  return TaskStateSet{TaskState::kSuccess, TaskState::kFailed, TaskState::kUpstreamFailed,
                      TaskState::kSkipped, TaskState::kRemoved}
      .contains(state);
}

std::vector<TaskState> TaskStateSet::ToVector() const {
  std::vector<TaskState> states;
  for (const auto& [state, name] : kTaskStateNames) {
    if (contains(state)) states.push_back(state);
  }
  return states;
}

Result<std::unique_ptr<MetaStore>> OpenMetaStore(const Url& url, const MetaStoreOptions& options) {
  Result<SqlBackend> backend = Error::Internal("unreachable");
  if (url.scheme == "sqlite") {
    backend = SqliteBackend(url);
  } else if (url.scheme == "postgresql" || url.scheme == "postgres") {
    backend = PostgresBackend(url);
  } else {
    return Error::InvalidArgument("metadata store {}: unknown scheme '{}'", url.ToString(),
                                  url.scheme)
        .Hint("use sqlite:///abs/path/meta.db or postgresql://user@host:5432/db");
  }
  if (!backend) return std::move(backend).error().AddContext("metadata store");
  static SystemClock system_clock;
  Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
  auto store = std::make_unique<SqlMetaStore>(std::move(*backend), clock);
  if (Status connected = store->Connect(); !connected) {
    return std::move(connected).error().AddContext("metadata store");
  }
  return std::unique_ptr<MetaStore>(std::move(store));
}

Result<bool> TransitionTaskInstance(MetaStore& store, const TaskTransition& transition) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<bool> applied,
                          store.TransitionTaskInstances({&transition, 1}));
  return applied.at(0);
}

Result<std::vector<TaskInstance>> ListLostTaskInstances(MetaStore& store,
                                                        TimePoint heartbeat_before,
                                                        std::optional<int> limit) {
  TaskInstanceFilter filter;
  filter.states = {TaskState::kRunning};
  filter.heartbeat_before = heartbeat_before;
  filter.limit = limit;
  SLUICE_ASSIGN_OR_RETURN(Page<TaskInstance> page, store.ListTaskInstances(filter));
  return std::move(page.items);
}

}  // namespace sluice::metadb
