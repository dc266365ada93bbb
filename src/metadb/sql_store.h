// Private to metadb: the MetaStore written once over SqlConnection. Its
// methods live in sql_store.cc (schema, workers, leases), sql_dags.cc,
// sql_runs.cc, sql_tasks.cc and sql_users.cc.
#pragma once

#include <condition_variable>
#include <mutex>

#include "metadb/metadb.h"
#include "metadb/sql.h"

namespace sluice::metadb {

// A fixed number of connections shared by the threads of one store; Borrow()
// waits when all are in use. A connection found broken is dropped on return
// and replaced on the next Borrow().
class ConnectionPool {
 public:
  ConnectionPool(ConnectFn connect, int size) : connect_(std::move(connect)), size_(size) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<SqlConnection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (connection_) pool_->Return(std::move(connection_));
    }
    SqlConnection& operator*() const { return *connection_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<SqlConnection> connection_;
  };

  Result<Lease> Borrow();

 private:
  void Return(std::unique_ptr<SqlConnection> connection);

  ConnectFn connect_;
  const int size_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<SqlConnection>> idle_;
  int open_ = 0;
};

class SqlMetaStore final : public MetaStore {
 public:
  SqlMetaStore(SqlBackend backend, Clock& clock);

  // Reaches the database once, so a bad URL or password fails at open.
  Status Connect();

  std::string Describe() const override { return description_; }
  Status Migrate() override;
  Result<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  Status Check() override;

  Status SyncDags(const DagSync& sync) override;
  Result<DagRecord> GetDag(std::string_view dag_id) override;
  Result<Page<DagRecord>> ListDags(const DagFilter& filter) override;
  Result<DagVersion> GetDagVersion(std::string_view dag_id, int version_number) override;
  Result<std::vector<ImportError>> ListImportErrors() override;
  Status SetDagPaused(std::string_view dag_id, bool is_paused) override;
  Status SetNextDagRun(std::string_view dag_id, const NextDagRun& next) override;

  Result<DagRun> CreateRun(const NewRun& new_run) override;
  Result<int> AddTaskInstances(std::string_view dag_id, std::string_view run_id,
                               std::span<const NewTaskInstance> task_instances) override;
  Result<DagRun> GetRun(std::string_view dag_id, std::string_view run_id) override;
  Result<Page<DagRun>> ListRuns(const RunFilter& filter) override;
  Result<bool> SetRunState(std::string_view dag_id, std::string_view run_id, DagRunState to,
                           std::optional<DagRunState> expected) override;
  Status DeleteRun(std::string_view dag_id, std::string_view run_id) override;
  Result<Backfill> CreateBackfill(const Backfill& backfill) override;
  Result<std::vector<Backfill>> ListBackfills(std::string_view dag_id,
                                              bool include_completed) override;
  Status CompleteBackfill(int64_t backfill_id) override;

  Result<TaskInstance> GetTaskInstance(const TaskInstanceKey& key) override;
  Result<Page<TaskInstance>> ListTaskInstances(const TaskInstanceFilter& filter) override;
  Result<std::vector<TaskInstance>> ListTaskTries(const TaskInstanceKey& key) override;
  Result<std::vector<bool>> TransitionTaskInstances(
      std::span<const TaskTransition> transitions) override;
  Result<std::vector<TaskInstanceKey>> FinishNoopTasks(const NoopFinish& finish) override;
  Result<std::vector<TaskInstance>> ClaimTaskInstances(const ClaimRequest& request) override;
  Result<std::vector<TaskInstance>> ClearTaskInstances(const ClearRequest& request) override;

  Result<std::vector<bool>> Heartbeat(const WorkerRecord& worker,
                                      std::span<const TaskTryRef> running) override;
  Result<std::vector<WorkerRecord>> ListWorkers(std::string_view kind) override;
  Status SetWorkerState(std::string_view worker_id, WorkerState state) override;
  Status AppendTaskLog(const TaskTryRef& ref, std::string_view text) override;
  Result<std::string> ReadTaskLog(const TaskTryRef& ref) override;
  Result<bool> TryAcquireLease(std::string_view name, std::string_view holder,
                               std::chrono::milliseconds ttl) override;
  Status ReleaseLease(std::string_view name, std::string_view holder) override;

  Status CreateUser(const UserRecord& user) override;
  Result<UserRecord> GetUser(std::string_view username) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status UpdateUser(const UserRecord& user) override;
  Status DeleteUser(std::string_view username) override;
  Status CreateSession(const SessionRecord& session) override;
  Result<SessionRecord> GetSession(std::string_view id_hash) override;
  Status DeleteSession(std::string_view id_hash) override;
  Status RecordLoginFailure(std::string_view key) override;
  Result<int> CountLoginFailures(std::string_view key, TimePoint since) override;
  Status ClearLoginFailures(std::string_view key) override;

 private:
  // Runs fn(connection) in one transaction on a pooled connection: commits
  // when fn succeeds, rolls back otherwise; retries a few times when the
  // database aborted the transaction for a conflict (deadlock, serialization).
  template <typename Fn>
  auto InTransaction(TxnKind kind, Fn&& fn) -> decltype(fn(std::declval<SqlConnection&>())) {
    constexpr int kMaxAttempts = 5;
    for (int attempt = 1;; ++attempt) {
      auto lease = pool_.Borrow();
      if (!lease) return std::move(lease).error();
      SqlConnection& connection = **lease;
      if (Status begun = connection.Begin(kind); !begun) return std::move(begun).error();
      auto result = fn(connection);
      if (result) {
        if (Status committed = connection.Commit(); !committed) {
          connection.Rollback();
          return std::move(committed).error();
        }
        return result;
      }
      connection.Rollback();
      if (result.error().code() != Code::kAborted || attempt == kMaxAttempts) return result;
    }
  }

  Result<int> ReadSchemaVersion(SqlConnection& connection);
  Result<Page<TaskInstance>> QueryTaskInstances(SqlConnection& connection,
                                                const TaskInstanceFilter& filter);
  Result<std::optional<DagRecord>> FindDag(SqlConnection& connection, std::string_view dag_id,
                                           bool lock);
  Status SyncOneDag(SqlConnection& connection, const DagRecord& dag, TimePoint now);
  Status WriteNextDagRun(SqlConnection& connection, std::string_view dag_id, const NextDagRun& next,
                         TimePoint now);
  Status InsertTaskInstances(SqlConnection& connection, std::string_view dag_id,
                             std::string_view run_id, std::span<const NewTaskInstance> tis,
                             TimePoint now, int* inserted);

  const SqlDialect dialect_;
  const std::string backend_name_;
  const std::string description_;
  Clock& clock_;
  ConnectionPool pool_;
};

}  // namespace sluice::metadb
