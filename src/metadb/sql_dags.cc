// DAGs, their versions and import errors, and backfills.
#include <algorithm>
#include <cctype>
#include <set>

#include "metadb/rows.h"
#include "metadb/sql_store.h"

namespace sluice::metadb {

Result<std::optional<DagRecord>> SqlMetaStore::FindDag(SqlConnection& connection,
                                                       std::string_view dag_id, bool lock) {
  std::optional<DagRecord> dag;
  SLUICE_TRY(Exec(
      connection,
      fmt::format("SELECT {} FROM dag WHERE dag_id = $1{}", kDagColumns,
                  lock ? dialect_.lock_rows : ""),
      [&dag](const SqlRow& row) {
        dag = ReadDag(row);
        return OkStatus();
      },
      dag_id));
  return dag;
}

Status SqlMetaStore::SyncOneDag(SqlConnection& connection, const DagRecord& dag, TimePoint now) {
  if (dag.dag_id.empty())
    return Error::InvalidArgument("sync: a DAG of {} has no id", dag.file_path);
  // Locked, so two schedulers syncing one DAG take turns.
  SLUICE_ASSIGN_OR_RETURN(std::optional<DagRecord> existing,
                          FindDag(connection, dag.dag_id, /*lock=*/true));
  int version = existing ? existing->version_number : 0;
  bool changed = !existing || existing->definition_hash != dag.definition_hash;
  if (changed) ++version;
  if (!existing) {
    SLUICE_ASSIGN_OR_RETURN(
        int64_t inserted,
        Exec(connection,
             "INSERT INTO dag (dag_id, file_path, definition_hash, definition,"
             " version_number, schedule, timezone, description, tags, is_paused, is_stale,"
             " last_parsed_at, created_at, updated_at)"
             " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, FALSE, $11, $11, $11)"
             " ON CONFLICT (dag_id) DO NOTHING",
             {}, dag.dag_id, dag.file_path, dag.definition_hash, dag.definition, version,
             dag.schedule, dag.timezone, dag.description, ToJsonList(dag.tags), dag.is_paused,
             now));
    if (inserted == 0) {
      // Another process inserted it since we looked: start over and update it.
      return Error::Aborted("sync: DAG '{}' was inserted concurrently", dag.dag_id).Retryable(true);
    }
  } else {
    SLUICE_TRY(Exec(connection,
                    "UPDATE dag SET file_path = $2, definition_hash = $3, definition = $4,"
                    " version_number = $5, schedule = $6, timezone = $7, description = $8,"
                    " tags = $9, is_stale = FALSE, last_parsed_at = $10, updated_at = $10"
                    " WHERE dag_id = $1",
                    {}, dag.dag_id, dag.file_path, dag.definition_hash, dag.definition, version,
                    dag.schedule, dag.timezone, dag.description, ToJsonList(dag.tags), now));
  }
  if (changed) {
    SLUICE_TRY(Exec(connection,
                    "INSERT INTO dag_version (dag_id, version_number, definition_hash, definition,"
                    " created_at) VALUES ($1, $2, $3, $4, $5)",
                    {}, dag.dag_id, version, dag.definition_hash, dag.definition, now));
  }
  return OkStatus();
}

Status SqlMetaStore::SyncDags(const DagSync& sync) {
  TimePoint now = clock_.Now();
  std::set<std::string> seen;
  for (const DagRecord& dag : sync.dags) {
    if (!seen.insert(dag.dag_id).second) {
      return Error::InvalidArgument("sync: DAG '{}' listed twice", dag.dag_id);
    }
  }
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    for (const DagRecord& dag : sync.dags) SLUICE_TRY(SyncOneDag(connection, dag, now));
    for (const auto& [file_path, message] : sync.import_errors) {
      SLUICE_TRY(Exec(connection,
                      "INSERT INTO import_error (file_path, message, timestamp) VALUES ($1, $2, $3)"
                      " ON CONFLICT (file_path) DO UPDATE SET message = excluded.message,"
                      " timestamp = excluded.timestamp",
                      {}, file_path, message, now));
    }
    if (sync.complete) {
      // What the scan did not mention is gone: its errors, and its DAGs unless
      // their file failed to parse this time (they keep their last definition).
      SqlQuery errors;
      if (!sync.import_errors.empty()) {
        std::vector<std::string> paths;
        for (const auto& [file_path, message] : sync.import_errors) paths.push_back(file_path);
        errors.Where("file_path NOT IN (" + errors.BindList(paths) + ")");
      }
      SLUICE_TRY(
          connection.Exec("DELETE FROM import_error" + errors.WhereClause(), errors.params(), {}));
      SqlQuery stale;
      stale.Where("is_stale = FALSE");
      if (!seen.empty()) stale.Where("dag_id NOT IN (" + stale.BindList(seen) + ")");
      if (!sync.import_errors.empty()) {
        std::vector<std::string> paths;
        for (const auto& [file_path, message] : sync.import_errors) paths.push_back(file_path);
        stale.Where("file_path NOT IN (" + stale.BindList(paths) + ")");
      }
      std::string sql =
          "UPDATE dag SET is_stale = TRUE, updated_at = " + stale.Bind(now) + stale.WhereClause();
      SLUICE_TRY(connection.Exec(sql, stale.params(), {}));
    } else {
      for (const DagRecord& dag : sync.dags) {
        if (sync.import_errors.count(dag.file_path) != 0) continue;
        SLUICE_TRY(
            Exec(connection, "DELETE FROM import_error WHERE file_path = $1", {}, dag.file_path));
      }
    }
    return OkStatus();
  });
}

Result<DagRecord> SqlMetaStore::GetDag(std::string_view dag_id) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<DagRecord> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<DagRecord> dag, FindDag(connection, dag_id, false));
    if (!dag) return Error::NotFound("{}: no DAG '{}'", description_, dag_id);
    return std::move(*dag);
  });
}

Result<Page<DagRecord>> SqlMetaStore::ListDags(const DagFilter& filter) {
  SqlQuery query;
  if (!filter.dag_ids.empty()) query.Where("dag_id IN (" + query.BindList(filter.dag_ids) + ")");
  if (!filter.dag_id_pattern.empty()) {
    std::string pattern = "%";
    for (char c : filter.dag_id_pattern) {
      if (c == '%' || c == '_' || c == '\\') pattern += '\\';
      pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    pattern += '%';
    query.Where("lower(dag_id) LIKE " + query.Bind(pattern) + " ESCAPE '\\'");
  }
  if (filter.is_paused) query.Where("is_paused = " + query.Bind(*filter.is_paused));
  if (!filter.include_stale) query.Where("is_stale = FALSE");
  if (filter.due_before) {
    query.Where("is_paused = FALSE AND is_stale = FALSE AND next_dagrun_create_after <= " +
                query.Bind(*filter.due_before));
    if (filter.due_after) {
      query.Where("next_dagrun_create_after > " + query.Bind(*filter.due_after));
    }
  }
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<Page<DagRecord>> {
    Page<DagRecord> page;
    if (filter.count_total) {
      int64_t total = 0;
      SLUICE_TRY(connection.Exec("SELECT count(*) FROM dag" + query.WhereClause(), query.params(),
                                 [&total](const SqlRow& row) {
                                   total = row.Int(0);
                                   return OkStatus();
                                 }));
      page.total_entries = total;
    }
    std::string sql =
        fmt::format("SELECT {} FROM dag{} ORDER BY {}dag_id", kDagColumns, query.WhereClause(),
                    filter.soonest_due_first ? "next_dagrun_create_after, " : "");
    if (filter.limit) sql += fmt::format(" LIMIT {}", std::max(0, *filter.limit));
    if (filter.offset > 0) {
      if (!filter.limit) sql += dialect_.no_limit;
      sql += fmt::format(" OFFSET {}", filter.offset);
    }
    SLUICE_TRY(connection.Exec(sql, query.params(), [&page](const SqlRow& row) {
      page.items.push_back(ReadDag(row));
      return OkStatus();
    }));
    return page;
  });
}

Result<DagVersion> SqlMetaStore::GetDagVersion(std::string_view dag_id, int version_number) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<DagVersion> {
    std::optional<DagVersion> version;
    SLUICE_TRY(Exec(
        connection,
        "SELECT dag_id, version_number, definition_hash, definition, created_at"
        " FROM dag_version WHERE dag_id = $1 AND version_number = $2",
        [&version](const SqlRow& row) {
          version = DagVersion{row.Text(0), static_cast<int>(row.Int(1)), row.Text(2), row.Text(3),
                               row.Time(4)};
          return OkStatus();
        },
        dag_id, version_number));
    if (!version) {
      return Error::NotFound("{}: no version {} of DAG '{}'", description_, version_number, dag_id);
    }
    return std::move(*version);
  });
}

Result<std::vector<ImportError>> SqlMetaStore::ListImportErrors() {
  return InTransaction(
      TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::vector<ImportError>> {
        std::vector<ImportError> errors;
        SLUICE_TRY(Exec(connection,
                        "SELECT file_path, message, timestamp FROM import_error ORDER BY file_path",
                        [&errors](const SqlRow& row) {
                          errors.push_back(ImportError{row.Text(0), row.Text(1), row.Time(2)});
                          return OkStatus();
                        }));
        return errors;
      });
}

Status SqlMetaStore::SetDagPaused(std::string_view dag_id, bool is_paused) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        int64_t changed,
        Exec(connection, "UPDATE dag SET is_paused = $1, updated_at = $2 WHERE dag_id = $3", {},
             is_paused, now, dag_id));
    if (changed == 0) return Error::NotFound("{}: no DAG '{}'", description_, dag_id);
    return OkStatus();
  });
}

Status SqlMetaStore::WriteNextDagRun(SqlConnection& connection, std::string_view dag_id,
                                     const NextDagRun& next, TimePoint now) {
  SLUICE_ASSIGN_OR_RETURN(
      int64_t changed,
      Exec(connection,
           "UPDATE dag SET next_dagrun = $1, next_dagrun_data_interval_start = $2,"
           " next_dagrun_data_interval_end = $3, next_dagrun_create_after = $4, updated_at = $5"
           " WHERE dag_id = $6",
           {}, next.logical_date, next.data_interval_start, next.data_interval_end,
           next.create_after, now, dag_id));
  if (changed == 0) return Error::NotFound("{}: no DAG '{}'", description_, dag_id);
  return OkStatus();
}

Status SqlMetaStore::SetNextDagRun(std::string_view dag_id, const NextDagRun& next) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) {
    return WriteNextDagRun(connection, dag_id, next, now);
  });
}

// ---- Backfills ------------------------------------------------------------------

Result<Backfill> SqlMetaStore::CreateBackfill(const Backfill& backfill) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Result<Backfill> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<DagRecord> dag,
                            FindDag(connection, backfill.dag_id, false));
    if (!dag) return Error::NotFound("{}: backfill: no DAG '{}'", description_, backfill.dag_id);
    std::optional<int64_t> active;
    SLUICE_TRY(Exec(
        connection,
        "SELECT id FROM backfill WHERE dag_id = $1 AND completed_at IS NULL"
        " ORDER BY id LIMIT 1",
        [&active](const SqlRow& row) {
          active = row.Int(0);
          return OkStatus();
        },
        backfill.dag_id));
    if (active) {
      return Error::AlreadyExists("{}: DAG '{}' has an unfinished backfill (id {})", description_,
                                  backfill.dag_id, *active)
          .Hint("resume it, or complete it first");
    }
    std::optional<Backfill> created;
    SLUICE_TRY(Exec(
        connection,
        fmt::format("INSERT INTO backfill (dag_id, from_date, to_date, dag_run_conf,"
                    " reprocess_behavior, max_active_runs, created_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {}",
                    kBackfillColumns),
        [&created](const SqlRow& row) {
          created = ReadBackfill(row);
          return OkStatus();
        },
        backfill.dag_id, backfill.from_date, backfill.to_date, backfill.dag_run_conf,
        backfill.reprocess_behavior, backfill.max_active_runs, now));
    SLUICE_CHECK(created.has_value());
    return std::move(*created);
  });
}

Result<std::vector<Backfill>> SqlMetaStore::ListBackfills(std::string_view dag_id,
                                                          bool include_completed) {
  return InTransaction(TxnKind::kRead,
                       [&](SqlConnection& connection) -> Result<std::vector<Backfill>> {
                         std::vector<Backfill> backfills;
                         SLUICE_TRY(Exec(
                             connection,
                             fmt::format("SELECT {} FROM backfill WHERE ($1 = '' OR dag_id = $1)"
                                         " AND ($2 OR completed_at IS NULL) ORDER BY id",
                                         kBackfillColumns),
                             [&backfills](const SqlRow& row) {
                               backfills.push_back(ReadBackfill(row));
                               return OkStatus();
                             },
                             dag_id, include_completed));
                         return backfills;
                       });
}

Status SqlMetaStore::CompleteBackfill(int64_t backfill_id) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_ASSIGN_OR_RETURN(
        int64_t changed,
        Exec(connection,
             "UPDATE backfill SET completed_at = coalesce(completed_at, $1) WHERE id = $2", {}, now,
             backfill_id));
    if (changed == 0) return Error::NotFound("{}: no backfill {}", description_, backfill_id);
    return OkStatus();
  });
}

}  // namespace sluice::metadb
