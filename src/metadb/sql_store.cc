// The connection pool, schema migrations, workers and leases.
#include "metadb/sql_store.h"

#include "metadb/rows.h"

namespace sluice::metadb {

std::string SqlQuery::WhereClause() const {
  std::string out;
  for (const std::string& condition : conditions_) {
    out += out.empty() ? " WHERE " : " AND ";
    out += condition;
  }
  return out;
}

Result<ConnectionPool::Lease> ConnectionPool::Borrow() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
  if (!idle_.empty()) {
    std::unique_ptr<SqlConnection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  Result<std::unique_ptr<SqlConnection>> connection = connect_();
  if (!connection) {
    lock.lock();
    --open_;
    available_.notify_one();
    return std::move(connection).error();
  }
  return Lease(this, std::move(*connection));
}

void ConnectionPool::Return(std::unique_ptr<SqlConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->IsBroken()) {
    --open_;
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

SqlMetaStore::SqlMetaStore(SqlBackend backend, Clock& clock)
    : dialect_(backend.dialect),
      backend_name_(backend.dialect.backend),
      description_(backend.description),
      clock_(clock),
      pool_(std::move(backend.connect), backend.pool_size) {}

Status SqlMetaStore::Connect() {
  SLUICE_ASSIGN_OR_RETURN(auto lease, pool_.Borrow());
  return OkStatus();
}

// ---- Schema ---------------------------------------------------------------------

int SqlMetaStore::LatestSchemaVersion() const {
  std::span<const Migration> migrations = EmbeddedMigrations(backend_name_);
  return migrations.empty() ? 0 : migrations.back().version;
}

Result<int> SqlMetaStore::ReadSchemaVersion(SqlConnection& connection) {
  int64_t tables = 0;
  SLUICE_TRY(Exec(
      connection, dialect_.table_exists_sql,
      [&tables](const SqlRow& row) {
        tables = row.Int(0);
        return OkStatus();
      },
      "schema_version"));
  if (tables == 0) return 0;
  int64_t version = 0;
  SLUICE_TRY(
      Exec(connection, "SELECT max(version) FROM schema_version", [&version](const SqlRow& row) {
        version = row.IsNull(0) ? 0 : row.Int(0);
        return OkStatus();
      }));
  return static_cast<int>(version);
}

Result<int> SqlMetaStore::SchemaVersion() {
  return InTransaction(TxnKind::kRead,
                       [this](SqlConnection& connection) { return ReadSchemaVersion(connection); });
}

Status SqlMetaStore::Migrate() {
  // Up to date, the common case for every process that starts: no write
  // transaction, no lock to wait for behind a client that vanished mid-migration.
  if (auto current = SchemaVersion(); current && *current == LatestSchemaVersion()) {
    return OkStatus();
  }
  std::span<const Migration> migrations = EmbeddedMigrations(backend_name_);
  for (const Migration& migration : migrations) {
    Status applied = InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
      if (!dialect_.migration_lock_sql.empty()) {
        SLUICE_TRY(Exec(connection, dialect_.migration_lock_sql, {}));
      }
      SLUICE_TRY(connection.ExecScript(dialect_.schema_version_ddl));
      SLUICE_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(connection));
      if (version > LatestSchemaVersion()) {
        return Error::FailedPrecondition(
                   "{}: schema version {} is newer than this sluice knows ({})", description_,
                   version, LatestSchemaVersion())
            .Hint("upgrade sluice");
      }
      if (version >= migration.version) return OkStatus();
      if (Status script = connection.ExecScript(migration.sql); !script) {
        return std::move(script).error().AddContext(
            fmt::format("migration {:04}_{}", migration.version, migration.name));
      }
      SLUICE_TRY(Exec(connection,
                      "INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)",
                      {}, migration.version, migration.name, clock_.Now()));
      return OkStatus();
    });
    if (!applied) return std::move(applied).error().AddContext(description_);
  }
  return OkStatus();
}

Status SqlMetaStore::Check() {
  SLUICE_ASSIGN_OR_RETURN(int version, SchemaVersion());
  int latest = LatestSchemaVersion();
  if (version < latest) {
    return Error::FailedPrecondition("{}: schema version {} is older than {}", description_,
                                     version, latest)
        .Hint("run `sluice db migrate`");
  }
  if (version > latest) {
    return Error::FailedPrecondition("{}: schema version {} is newer than this sluice knows ({})",
                                     description_, version, latest)
        .Hint("upgrade sluice");
  }
  return OkStatus();
}

// ---- Workers --------------------------------------------------------------------

Result<std::vector<bool>> SqlMetaStore::Heartbeat(const WorkerRecord& worker,
                                                  std::span<const TaskTryRef> running) {
  if (worker.id.empty()) return Error::InvalidArgument("heartbeat: empty worker id");
  TimePoint now = clock_.Now();
  return InTransaction(
      TxnKind::kWrite, [&](SqlConnection& connection) -> Result<std::vector<bool>> {
        SLUICE_TRY(
            Exec(connection,
                 "INSERT INTO worker (id, kind, hostname, pid, queues, state, started_at,"
                 " heartbeat_at) VALUES ($1, $2, $3, $4, $5, 'active', $6, $6)"
                 " ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,"
                 " hostname = excluded.hostname, pid = excluded.pid, queues = excluded.queues,"
                 " state = 'active', heartbeat_at = excluded.heartbeat_at",
                 {}, worker.id, worker.kind, worker.hostname, worker.pid, ToJsonList(worker.queues),
                 now));
        std::vector<bool> owned;
        owned.reserve(running.size());
        for (const TaskTryRef& ref : running) {
          SLUICE_ASSIGN_OR_RETURN(
              int64_t changed,
              Exec(connection,
                   "UPDATE task_instance SET heartbeat_at = $1 WHERE dag_id = $2 AND run_id = $3"
                   " AND task_id = $4 AND map_index = $5 AND try_number = $6 AND worker_id = $7"
                   " AND state = 'running'",
                   {}, now, ref.key.dag_id, ref.key.run_id, ref.key.task_id, ref.key.map_index,
                   ref.try_number, worker.id));
          owned.push_back(changed == 1);
        }
        return owned;
      });
}

Result<std::vector<WorkerRecord>> SqlMetaStore::ListWorkers(std::string_view kind) {
  return InTransaction(
      TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::vector<WorkerRecord>> {
        std::vector<WorkerRecord> workers;
        SLUICE_TRY(Exec(
            connection,
            fmt::format("SELECT {} FROM worker WHERE ($1 = '' OR kind = $1) ORDER BY id",
                        kWorkerColumns),
            [&workers](const SqlRow& row) {
              workers.push_back(ReadWorker(row));
              return OkStatus();
            },
            kind));
        return workers;
      });
}

Status SqlMetaStore::SetWorkerState(std::string_view worker_id, WorkerState state) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_ASSIGN_OR_RETURN(int64_t changed,
                            Exec(connection, "UPDATE worker SET state = $1 WHERE id = $2", {},
                                 WorkerStateName(state), worker_id));
    if (changed == 0) return Error::NotFound("{}: no worker '{}'", description_, worker_id);
    return OkStatus();
  });
}

// ---- Leases ---------------------------------------------------------------------

Result<bool> SqlMetaStore::TryAcquireLease(std::string_view name, std::string_view holder,
                                           std::chrono::milliseconds ttl) {
  if (name.empty() || holder.empty()) {
    return Error::InvalidArgument("lease: name and holder must not be empty");
  }
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Result<bool> {
    SLUICE_ASSIGN_OR_RETURN(int64_t changed,
                            Exec(connection,
                                 "INSERT INTO lease (name, holder, expires_at) VALUES ($1, $2, $3)"
                                 " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder,"
                                 " expires_at = excluded.expires_at"
                                 " WHERE lease.holder = excluded.holder OR lease.expires_at <= $4",
                                 {}, name, holder, now + ttl, now));
    return changed == 1;
  });
}

Status SqlMetaStore::ReleaseLease(std::string_view name, std::string_view holder) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(
        Exec(connection, "DELETE FROM lease WHERE name = $1 AND holder = $2", {}, name, holder));
    return OkStatus();
  });
}

}  // namespace sluice::metadb
