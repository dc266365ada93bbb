// The metadata store: DAGs, DAG runs, task instances, workers and leases, in
// SQLite (embedded default) or PostgreSQL (several hosts), behind one interface.
//
// Contract shared by every implementation (tests/metadb/*_contract_test.cc):
// - Thread-safe: one MetaStore may be used from many threads at once, and
//   several processes (scheduler, workers, CLI) may open the same database.
// - Every write method is one transaction: it applies whole or not at all.
// - Coordination needs no other channel: task instances move by
//   compare-and-set on (state, try_number), so a lost worker that comes back
//   cannot overwrite newer state, and claims hand each queued task instance to
//   exactly one claimer (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
//   database's single writer). Several schedulers may share one database:
//   CreateRun refuses a run_id twice, a refused guard tells the loser, and
//   leases elect one process for a duty.
// - Times come from the store's Clock and are kept with microsecond precision
//   (truncated). Hosts sharing a database need synchronised clocks (NTP).
// - JSON fields (conf, outputs, executor_config, definition) are stored as
//   given; the store does not parse them.
// - Errors: kInvalidArgument (bad argument, stated), kNotFound (absent DAG,
//   run, backfill, worker), kAlreadyExists (duplicate key), kFailedPrecondition
//   (schema missing or too old: run `sluice db migrate`), kUnavailable
//   (database unreachable or busy; retryable), kAborted (conflict the store
//   could not resolve by retrying; retryable), kDataLoss (corrupt database).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace sluice::metadb {

enum class RunType { kScheduled, kManual, kBackfill };
enum class DagRunState { kQueued, kRunning, kSuccess, kFailed };
enum class TaskState {
  kNone,
  kScheduled,
  kQueued,
  kRunning,
  kSuccess,
  kFailed,
  kUpForRetry,
  kUpstreamFailed,
  kSkipped,
  kRemoved,
};
enum class WorkerState { kActive, kStopped, kLost };

// Names as Airflow spells them ("scheduled", "up_for_retry", ...); TaskState::kNone is "none".
std::string_view RunTypeName(RunType type);
std::string_view DagRunStateName(DagRunState state);
std::string_view TaskStateName(TaskState state);
std::string_view WorkerStateName(WorkerState state);
std::optional<RunType> ParseRunType(std::string_view name);
std::optional<DagRunState> ParseDagRunState(std::string_view name);
std::optional<TaskState> ParseTaskState(std::string_view name);
std::optional<WorkerState> ParseWorkerState(std::string_view name);
// success, failed, upstream_failed, skipped, removed (not up_for_retry).
bool IsFinished(TaskState state);

// A set of task states, for guards and filters: TaskStateSet{kQueued, kRunning}.
class TaskStateSet {
 public:
  constexpr TaskStateSet() = default;
  constexpr TaskStateSet(std::initializer_list<TaskState> states) {
    for (TaskState state : states) bits_ |= Bit(state);
  }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool contains(TaskState state) const { return (bits_ & Bit(state)) != 0; }
  std::vector<TaskState> ToVector() const;

 private:
  static constexpr uint32_t Bit(TaskState state) { return 1u << static_cast<int>(state); }
  uint32_t bits_ = 0;
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::optional<int64_t> total_entries;  // set when the filter asked for count_total
};

// ---- DAGs -------------------------------------------------------------------

// When the scheduler next creates a run of a DAG (Airflow's next_dagrun*).
struct NextDagRun {
  std::optional<TimePoint> logical_date;
  std::optional<TimePoint> data_interval_start;
  std::optional<TimePoint> data_interval_end;
  std::optional<TimePoint> create_after;  // null: no further run (schedule none or past end_date)
};

struct DagRecord {
  std::string dag_id;
  std::string file_path;
  std::string definition_hash;  // changes when the definition does
  std::string definition;       // the serialized definition (JSON text)
  std::string schedule;         // as written: "0 6 * * *", "@daily", "" for none
  std::string timezone = "UTC";
  std::string description;
  std::vector<std::string> tags;
  bool is_paused = false;  // SyncDags: used only when the DAG is new
  // Read-only below: maintained by the store.
  int version_number = 0;  // 1, 2, ...: a new version each time definition_hash changes
  bool is_stale = false;   // its file no longer defines it
  std::optional<TimePoint> last_parsed_at;
  NextDagRun next_dagrun;
};

// One version of a DAG's definition; runs keep the version they were created with.
struct DagVersion {
  std::string dag_id;
  int version_number = 0;
  std::string definition_hash;
  std::string definition;
  TimePoint created_at;
};

struct ImportError {
  std::string file_path;
  std::string message;
  TimePoint timestamp;
};

// The result of parsing pipeline files.
struct DagSync {
  std::vector<DagRecord> dags;                       // parsed without error
  std::map<std::string, std::string> import_errors;  // file path -> one-line error
  // A scan of the whole folder: DAGs whose file neither defined them nor failed
  // to parse become stale, and import errors of files not listed are removed.
  // When false, only the files mentioned are touched.
  bool complete = true;
};

struct DagFilter {
  std::vector<std::string> dag_ids;  // empty: any
  std::string dag_id_pattern;        // case-insensitive substring; empty: any
  std::optional<bool> is_paused;
  bool include_stale = false;
  // Only DAGs due for a run: not paused, not stale, next_dagrun.create_after <= due_before.
  std::optional<TimePoint> due_before;
  std::optional<TimePoint> due_after;  // with due_before: create_after > due_after
  bool soonest_due_first = false;      // by next_dagrun.create_after, then dag_id
  std::optional<int> limit;            // nullopt: all
  int offset = 0;
  bool count_total = false;
};

// ---- DAG runs and backfills ---------------------------------------------------

struct DagRun {
  int64_t id = 0;
  std::string dag_id;
  std::string run_id;
  RunType run_type = RunType::kManual;
  std::optional<TimePoint> logical_date;
  std::optional<TimePoint> data_interval_start;
  std::optional<TimePoint> data_interval_end;
  TimePoint run_after;      // earliest time the run may start
  std::string conf = "{}";  // JSON object
  DagRunState state = DagRunState::kQueued;
  std::string triggered_by;  // "scheduler", "cli", "rest_api", "backfill", ...
  int dag_version_number = 0;
  std::optional<int64_t> backfill_id;
  std::optional<TimePoint> queued_at;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  TimePoint created_at;
  TimePoint updated_at;
};

struct NewTaskInstance {
  std::string task_id;
  int map_index = -1;                  // -1: not mapped
  TaskState state = TaskState::kNone;  // kQueued starts try 1 at once
  int retries = 0;                     // max_tries starts here
  std::string queue = "default";
  int priority_weight = 1;  // claims take higher weights first
  std::string executor_config = "{}";
};

struct NewRun {
  DagRun run;  // id, dag_version_number, queued_at/start/end, created/updated are set by the store
  std::vector<NewTaskInstance> task_instances;
  // When set, the DAG's next-run bookkeeping is updated in the same transaction.
  std::optional<NextDagRun> next_dagrun;
};

enum class RunOrder { kId, kLogicalDate, kRunAfter, kStartDate, kEndDate, kUpdatedAt };

struct RunFilter {
  std::string dag_id;               // empty: any
  std::vector<DagRunState> states;  // empty: any
  std::optional<RunType> run_type;
  std::optional<int64_t> backfill_id;
  std::optional<TimePoint> logical_date_gte, logical_date_lte;
  std::optional<TimePoint> run_after_gte, run_after_lte;
  std::optional<TimePoint> updated_at_gte;
  RunOrder order_by = RunOrder::kId;
  bool descending = false;  // nulls sort last either way; ties by id
  std::optional<int> limit;
  int offset = 0;
  bool count_total = false;
};

struct Backfill {
  int64_t id = 0;  // set by the store
  std::string dag_id;
  TimePoint from_date;
  TimePoint to_date;
  std::string dag_run_conf = "{}";
  std::string reprocess_behavior = "none";  // "none", "failed", "completed"
  int max_active_runs = 10;
  TimePoint created_at;  // set by the store
  std::optional<TimePoint> completed_at;
};

// ---- Task instances --------------------------------------------------------------

struct TaskInstanceKey {
  std::string dag_id;
  std::string run_id;
  std::string task_id;
  int map_index = -1;
  bool operator==(const TaskInstanceKey&) const = default;
  auto operator<=>(const TaskInstanceKey&) const = default;
};

// try_number counts the tries started (0: never tried). A failed try may be
// retried while try_number <= max_tries (Airflow's rule); clearing sets
// max_tries = try_number + retries, so a cleared task gets its retries again.
struct TaskInstance {
  TaskInstanceKey key;
  TaskState state = TaskState::kNone;
  int try_number = 0;
  int max_tries = 0;
  int retries = 0;
  std::string queue = "default";
  int priority_weight = 1;
  std::optional<TimePoint> queued_at;
  std::optional<TimePoint> start_date;
  std::optional<TimePoint> end_date;
  std::optional<std::chrono::microseconds> duration;
  std::string hostname;
  std::optional<int> pid;
  std::string worker_id;
  std::optional<TimePoint> heartbeat_at;
  std::optional<TimePoint> next_retry_at;  // up_for_retry: not before
  std::string log_location;                // of the current try
  std::string outputs = "{}";              // JSON: records, bytes, object keys...
  std::string executor_config = "{}";
  TimePoint updated_at;
};

// A compare-and-set on one task instance. It applies only when the row's state
// is in `from` (empty: any) and, when set, its try_number equals expected_try.
// Effects besides the state, all at the store clock's now:
// - new_try: try_number + 1; the previous try is kept in the try history and
//   the per-try fields (times, host, pid, worker, heartbeat, log, outputs) reset.
// - to queued: queued_at. To running: start_date, heartbeat_at, end/duration cleared.
// - to success, failed, skipped, upstream_failed, removed, up_for_retry:
//   end_date, start_date when unset, duration.
// - the optional fields below, when set.
struct TaskTransition {
  TaskInstanceKey key;
  TaskStateSet from;
  std::optional<int> expected_try;
  TaskState to = TaskState::kNone;
  bool new_try = false;
  std::optional<TimePoint> next_retry_at;
  std::optional<std::string> outputs;
  std::optional<std::string> log_location;
  std::optional<std::string> hostname;
  std::optional<int> pid;
  std::optional<std::string> worker_id;
};

// Noop task instances of one run that the scheduler runs where they stand:
// each one that is none or scheduled goes through scheduled, queued, running
// and success in one step, as TaskTransitions would take it (a new try, the
// previous one kept; queued, started and ended at one instant; run by
// hostname/pid/worker_id).
struct NoopFinish {
  std::string dag_id;
  std::string run_id;
  std::vector<std::pair<std::string, int>> tasks;  // task_id, map_index
  std::string hostname;
  int pid = 0;
  std::string worker_id;
};

enum class TaskInstanceOrder { kKey, kStartDate, kEndDate, kUpdatedAt };

struct TaskInstanceFilter {
  std::string dag_id;  // empty: any
  std::string run_id;  // empty: any
  std::vector<std::string> task_ids;
  std::vector<int> map_indexes;
  TaskStateSet states;
  std::vector<std::string> queues;
  std::string worker_id;
  std::optional<TimePoint> heartbeat_before;   // lost workers: running with an old heartbeat
  std::optional<TimePoint> next_retry_before;  // retries that are due
  TaskInstanceOrder order_by = TaskInstanceOrder::kKey;
  bool descending = false;
  std::optional<int> limit;
  int offset = 0;
  bool count_total = false;
};

struct ClaimRequest {
  std::string worker_id;
  std::string hostname;
  int pid = 0;
  std::vector<std::string> queues;  // empty: any queue
  int limit = 1;
};

struct ClearRequest {
  std::string dag_id;
  std::vector<std::string> run_ids;   // empty: every run in the logical date range
  std::vector<std::string> task_ids;  // empty: every task
  std::vector<int> map_indexes;       // empty: every map index
  TaskStateSet only_states;           // empty: any state ({failed, upstream_failed}: only failed)
  std::optional<TimePoint> logical_date_gte, logical_date_lte;
  bool dry_run = false;
};

// ---- Workers and leases ------------------------------------------------------------

struct WorkerRecord {
  std::string id;
  std::string kind = "worker";  // "worker", "scheduler", "webserver"...
  std::string hostname;
  int pid = 0;
  std::vector<std::string> queues;
  WorkerState state = WorkerState::kActive;
  TimePoint started_at;    // set by the store on first heartbeat
  TimePoint heartbeat_at;  // set by the store
};

// A try a worker runs: the key and the try_number it claimed.
struct TaskTryRef {
  TaskInstanceKey key;
  int try_number = 0;
};

// ---- Users, browser sessions and failed logins (the web server's) ------------------

struct UserRecord {
  std::string username;
  std::string role;           // "Admin", "Op", "User", "Viewer": the server checks the names
  std::string password_hash;  // an encoded argon2id hash, never the password itself
  bool is_active = true;
  // Read-only below: maintained by the store.
  TimePoint created_at;
  TimePoint updated_at;
};

// A browser session; the store keeps a hash of the session id, never the id.
struct SessionRecord {
  std::string id_hash;
  std::string username;
  std::string csrf_token;
  TimePoint created_at;  // set by the store
  TimePoint expires_at;
};

// ---- The store ------------------------------------------------------------------

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // Where the store is, safe to print ("sqlite:///var/lib/sluice/meta.db").
  virtual std::string Describe() const = 0;

  // -- Schema. Migrate() applies the migrations the database lacks, each in its
  // own transaction; idempotent and safe to run from several processes at once.
  // A database newer than this binary: kFailedPrecondition.
  virtual Status Migrate() = 0;
  virtual Result<int> SchemaVersion() = 0;  // 0 for an empty database
  virtual int LatestSchemaVersion() const = 0;
  // OK when the schema is exactly the latest; kFailedPrecondition otherwise, saying which.
  virtual Status Check() = 0;

  // -- DAGs. SyncDags records a parse (see DagSync): new DAGs are inserted,
  // known ones updated (is_paused and next_dagrun kept), a changed
  // definition_hash adds a DagVersion. Idempotent.
  virtual Status SyncDags(const DagSync& sync) = 0;
  virtual Result<DagRecord> GetDag(std::string_view dag_id) = 0;          // kNotFound
  virtual Result<Page<DagRecord>> ListDags(const DagFilter& filter) = 0;  // by dag_id
  virtual Result<DagVersion> GetDagVersion(std::string_view dag_id, int version_number) = 0;
  virtual Result<std::vector<ImportError>> ListImportErrors() = 0;           // by file path
  virtual Status SetDagPaused(std::string_view dag_id, bool is_paused) = 0;  // kNotFound
  virtual Status SetNextDagRun(std::string_view dag_id, const NextDagRun& next) = 0;

  // -- Runs. CreateRun inserts the run and its task instances in one
  // transaction: kAlreadyExists when (dag_id, run_id) exists (nothing changes),
  // kNotFound for an unknown DAG, kInvalidArgument for empty ids or a task
  // instance key listed twice. The run takes the DAG's current version.
  virtual Result<DagRun> CreateRun(const NewRun& new_run) = 0;
  // Adds task instances to a run (mapping expanded late, a task added to the
  // DAG); keys that exist are left alone. Returns how many were added. kNotFound.
  virtual Result<int> AddTaskInstances(std::string_view dag_id, std::string_view run_id,
                                       std::span<const NewTaskInstance> task_instances) = 0;
  virtual Result<DagRun> GetRun(std::string_view dag_id, std::string_view run_id) = 0;
  virtual Result<Page<DagRun>> ListRuns(const RunFilter& filter) = 0;
  // Compare-and-set on the run's state (expected nullopt: any). false when the
  // guard refused; kNotFound when there is no such run. To queued: queued_at
  // set, start/end cleared; to running: start_date set when unset, end cleared;
  // to success/failed: end_date.
  virtual Result<bool> SetRunState(std::string_view dag_id, std::string_view run_id, DagRunState to,
                                   std::optional<DagRunState> expected) = 0;
  // Deletes the run, its task instances and their tries. kNotFound.
  virtual Status DeleteRun(std::string_view dag_id, std::string_view run_id) = 0;

  // Backfills: at most one unfinished per DAG (kAlreadyExists names it, so a
  // CLI can resume it instead). kNotFound for an unknown DAG.
  virtual Result<Backfill> CreateBackfill(const Backfill& backfill) = 0;
  // By id; dag_id empty: every DAG.
  virtual Result<std::vector<Backfill>> ListBackfills(std::string_view dag_id,
                                                      bool include_completed) = 0;
  virtual Status CompleteBackfill(int64_t backfill_id) = 0;  // idempotent; kNotFound

  // -- Task instances.
  virtual Result<TaskInstance> GetTaskInstance(const TaskInstanceKey& key) = 0;  // kNotFound
  virtual Result<Page<TaskInstance>> ListTaskInstances(const TaskInstanceFilter& filter) = 0;
  // Every try of one task instance, oldest first: the tries kept by new_try
  // and clears, then the current one when it is not among them. kNotFound.
  virtual Result<std::vector<TaskInstance>> ListTaskTries(const TaskInstanceKey& key) = 0;
  // Applies compare-and-set transitions in one transaction; result[i] says
  // whether transitions[i] applied (false: guard refused or no such task
  // instance). A database error applies none of them.
  virtual Result<std::vector<bool>> TransitionTaskInstances(
      std::span<const TaskTransition> transitions) = 0;
  // Finishes the noops of finish.tasks that are still none or scheduled, in one
  // transaction and a statement per few hundred rows; returns their keys (the
  // others were not waiting any more, or do not exist).
  virtual Result<std::vector<TaskInstanceKey>> FinishNoopTasks(const NoopFinish& finish) = 0;
  // Takes up to request.limit queued task instances (higher priority_weight
  // first, then oldest queued_at) and makes them running for the worker:
  // worker_id, hostname, pid, start_date, heartbeat_at. try_number is not
  // changed (it was set when queued). Returns them as they are now; each
  // queued try is handed to exactly one claimer, across threads, processes
  // and hosts. kInvalidArgument for an empty worker_id or limit < 1.
  virtual Result<std::vector<TaskInstance>> ClaimTaskInstances(const ClaimRequest& request) = 0;
  // Resets task instances for a re-run: the current try is kept in the history,
  // state none, max_tries = try_number + retries, per-try fields cleared. Runs
  // that had finished (success, failed) become queued again. Returns the task
  // instances as they were before (dry_run: changes nothing). A running try
  // that is cleared loses its heartbeat and every later write (fenced).
  virtual Result<std::vector<TaskInstance>> ClearTaskInstances(const ClearRequest& request) = 0;

  // -- Workers. Heartbeat records that worker.id is alive (inserting it on the
  // first call; state active) and refreshes heartbeat_at of the tries it runs.
  // result[i] is false when running[i] is no longer this worker's running try
  // (cleared, marked failed, taken over after the worker was declared lost):
  // the worker should stop it, as its writes will be refused.
  virtual Result<std::vector<bool>> Heartbeat(const WorkerRecord& worker,
                                              std::span<const TaskTryRef> running) = 0;
  virtual Result<std::vector<WorkerRecord>> ListWorkers(std::string_view kind) = 0;  // "" all
  virtual Status SetWorkerState(std::string_view worker_id, WorkerState state) = 0;  // kNotFound

  // -- Task logs shipped by workers (so a try run on another host can be
  // read anywhere). AppendTaskLog adds text at the end of the try's log; the
  // text is stored as valid UTF-8 (an invalid byte becomes U+FFFD, NUL is
  // dropped). ReadTaskLog returns the try's log as appended ("" when none).
  virtual Status AppendTaskLog(const TaskTryRef& ref, std::string_view text) = 0;
  virtual Result<std::string> ReadTaskLog(const TaskTryRef& ref) = 0;

  // -- Leases: a named lock with an expiry, for one-of-many duties (the
  // scheduler that parses files, the sweep for lost workers). Held by holder
  // until now + ttl when free, expired, or already held by holder (renewal).
  // Returns whether holder holds it now.
  virtual Result<bool> TryAcquireLease(std::string_view name, std::string_view holder,
                                       std::chrono::milliseconds ttl) = 0;
  // Releases it when holder holds it; otherwise does nothing.
  virtual Status ReleaseLease(std::string_view name, std::string_view holder) = 0;

  // -- Users. CreateUser: kAlreadyExists for a username taken, kInvalidArgument
  // for an empty username, role or password hash. UpdateUser sets role,
  // password_hash and is_active; a changed password_hash or a deactivated user
  // ends every session of the user. DeleteUser deletes the user's sessions too.
  virtual Status CreateUser(const UserRecord& user) = 0;
  virtual Result<UserRecord> GetUser(std::string_view username) = 0;  // kNotFound
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;            // by username
  virtual Status UpdateUser(const UserRecord& user) = 0;              // kNotFound
  virtual Status DeleteUser(std::string_view username) = 0;           // kNotFound

  // -- Sessions. CreateSession: kNotFound for an unknown user, kAlreadyExists
  // for an id_hash taken. GetSession: kNotFound when absent or expired at the
  // store clock's now (an expired session is deleted). DeleteSession of an
  // absent session is OK.
  virtual Status CreateSession(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> GetSession(std::string_view id_hash) = 0;
  virtual Status DeleteSession(std::string_view id_hash) = 0;

  // -- Failed logins, for rate limiting, by key ("user:alice", "addr:127.0.0.1").
  // RecordLoginFailure notes one at now and forgets those older than a day.
  virtual Status RecordLoginFailure(std::string_view key) = 0;
  virtual Result<int> CountLoginFailures(std::string_view key, TimePoint since) = 0;
  virtual Status ClearLoginFailures(std::string_view key) = 0;
};

struct MetaStoreOptions {
  // Times of every write; the system clock when null. Not owned; must outlive the store.
  Clock* clock = nullptr;
};

// "sqlite:///abs/path/meta.db" (created when missing; its folder must exist),
// "sqlite:///:memory:" (private to this store, one connection), or
// "postgresql://user[:password]@host[:port]/dbname?sslmode=...". Query keys:
// pool (connections, default 4), sqlite busy_timeout_ms (default 30000) and
// synchronous (NORMAL or FULL); other postgresql keys go to libpq as they are.
// The database is reached once before this returns. It does not migrate: call
// Migrate() (or `sluice db migrate`). Unknown scheme: kInvalidArgument.
Result<std::unique_ptr<MetaStore>> OpenMetaStore(const Url& url,
                                                 const MetaStoreOptions& options = {});

// Conveniences over any store.
Result<bool> TransitionTaskInstance(MetaStore& store, const TaskTransition& transition);
// Running task instances whose heartbeat is older than heartbeat_before.
Result<std::vector<TaskInstance>> ListLostTaskInstances(MetaStore& store,
                                                        TimePoint heartbeat_before,
                                                        std::optional<int> limit = std::nullopt);

}  // namespace sluice::metadb
