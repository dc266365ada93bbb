// DAG runs.
#include <algorithm>
#include <set>

#include "metadb/rows.h"
#include "metadb/sql_store.h"
#include "metadb/transitions.h"

namespace sluice::metadb {
namespace {

// Rows per INSERT when a run's task instances are written: fewer round trips
// to PostgreSQL, and far below either backend's parameter limit.
constexpr size_t kInsertChunk = 50;

Status ValidateNewTaskInstances(std::string_view run_id,
                                std::span<const NewTaskInstance> task_instances) {
  std::set<std::pair<std::string_view, int>> keys;
  for (const NewTaskInstance& ti : task_instances) {
    if (ti.task_id.empty())
      return Error::InvalidArgument("run {}: a task instance has no task_id", run_id);
    if (ti.map_index < -1) {
      return Error::InvalidArgument("run {}: task {}: map_index {} is below -1", run_id, ti.task_id,
                                    ti.map_index);
    }
    if (!keys.emplace(ti.task_id, ti.map_index).second) {
      return Error::InvalidArgument("run {}: task {} map_index {} listed twice", run_id, ti.task_id,
                                    ti.map_index);
    }
  }
  return OkStatus();
}

std::string_view RunOrderColumn(RunOrder order) {
  switch (order) {
    case RunOrder::kId:
      return "id";
    case RunOrder::kLogicalDate:
      return "logical_date";
    case RunOrder::kRunAfter:
      return "run_after";
    case RunOrder::kStartDate:
      return "start_date";
    case RunOrder::kEndDate:
      return "end_date";
    case RunOrder::kUpdatedAt:
      return "updated_at";
  }
  return "id";
}

}  // namespace

Status SqlMetaStore::InsertTaskInstances(SqlConnection& connection, std::string_view dag_id,
                                         std::string_view run_id,
                                         std::span<const NewTaskInstance> tis, TimePoint now,
                                         int* inserted) {
  for (size_t start = 0; start < tis.size(); start += kInsertChunk) {
    std::span<const NewTaskInstance> chunk =
        tis.subspan(start, std::min(kInsertChunk, tis.size() - start));
    SqlQuery query;
    std::string values;
    for (const NewTaskInstance& ti : chunk) {
      // A task instance created queued starts its first try.
      bool queued = ti.state == TaskState::kQueued;
      values += values.empty() ? "(" : ", (";
      values += query.BindList(std::vector<SqlParam>{
          dag_id, run_id, ti.task_id, ti.map_index, TaskStateName(ti.state), queued ? 1 : 0,
          ti.retries, ti.retries, ti.queue, ti.priority_weight,
          queued ? SqlParam(now) : SqlParam::Null<TimePoint>(), ti.executor_config, now});
      values += ")";
    }
    SLUICE_ASSIGN_OR_RETURN(
        int64_t changed,
        connection.Exec("INSERT INTO task_instance (dag_id, run_id, task_id, map_index, state,"
                        " try_number, max_tries, retries, queue, priority_weight, queued_at,"
                        " executor_config, updated_at) VALUES " +
                            values + " ON CONFLICT (dag_id, run_id, task_id, map_index) DO NOTHING",
                        query.params(), {}));
    if (inserted != nullptr) *inserted += static_cast<int>(changed);
  }
  return OkStatus();
}

Result<DagRun> SqlMetaStore::CreateRun(const NewRun& new_run) {
  const DagRun& run = new_run.run;
  if (run.dag_id.empty() || run.run_id.empty()) {
    return Error::InvalidArgument("create run: dag_id and run_id must not be empty");
  }
  SLUICE_TRY(ValidateNewTaskInstances(run.run_id, new_run.task_instances));
  TimePoint now = clock_.Now();
  auto create = [&](SqlConnection& connection) -> Result<DagRun> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<DagRecord> dag, FindDag(connection, run.dag_id, false));
    if (!dag)
      return Error::NotFound("{}: create run {}: no DAG '{}'", description_, run.run_id,
                             run.dag_id);
    int64_t existing = 0;
    SLUICE_TRY(Exec(
        connection, "SELECT count(*) FROM dag_run WHERE dag_id = $1 AND run_id = $2",
        [&existing](const SqlRow& row) {
          existing = row.Int(0);
          return OkStatus();
        },
        run.dag_id, run.run_id));
    if (existing != 0) {
      return Error::AlreadyExists("{}: DAG '{}' already has a run '{}'", description_, run.dag_id,
                                  run.run_id);
    }
    std::optional<TimePoint> queued_at, start_date, end_date;
    if (run.state == DagRunState::kQueued) queued_at = now;
    if (run.state != DagRunState::kQueued) start_date = now;
    if (IsFinished(run.state)) end_date = now;
    std::optional<DagRun> created;
    SLUICE_TRY(Exec(
        connection,
        fmt::format("INSERT INTO dag_run (dag_id, run_id, run_type, logical_date,"
                    " data_interval_start, data_interval_end, run_after, conf, state,"
                    " triggered_by, dag_version_number, backfill_id, queued_at,"
                    " start_date, end_date, created_at, updated_at) VALUES ($1, $2,"
                    " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
                    " $16) RETURNING {}",
                    kRunColumns),
        [&created](const SqlRow& row) {
          created = ReadRun(row);
          return OkStatus();
        },
        run.dag_id, run.run_id, RunTypeName(run.run_type), run.logical_date,
        run.data_interval_start, run.data_interval_end, run.run_after,
        run.conf.empty() ? std::string("{}") : run.conf, DagRunStateName(run.state),
        run.triggered_by, dag->version_number, run.backfill_id, queued_at, start_date, end_date,
        now));
    SLUICE_CHECK(created.has_value());
    SLUICE_TRY(InsertTaskInstances(connection, run.dag_id, run.run_id, new_run.task_instances, now,
                                   nullptr));
    if (new_run.next_dagrun) {
      SLUICE_TRY(WriteNextDagRun(connection, run.dag_id, *new_run.next_dagrun, now));
    }
    return std::move(*created);
  };
  return InTransaction(TxnKind::kWrite, create);
}

Result<int> SqlMetaStore::AddTaskInstances(std::string_view dag_id, std::string_view run_id,
                                           std::span<const NewTaskInstance> task_instances) {
  SLUICE_TRY(ValidateNewTaskInstances(run_id, task_instances));
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Result<int> {
    int64_t runs = 0;
    SLUICE_TRY(Exec(
        connection, "SELECT count(*) FROM dag_run WHERE dag_id = $1 AND run_id = $2",
        [&runs](const SqlRow& row) {
          runs = row.Int(0);
          return OkStatus();
        },
        dag_id, run_id));
    if (runs == 0)
      return Error::NotFound("{}: DAG '{}' has no run '{}'", description_, dag_id, run_id);
    int inserted = 0;
    SLUICE_TRY(InsertTaskInstances(connection, dag_id, run_id, task_instances, now, &inserted));
    return inserted;
  });
}

Result<DagRun> SqlMetaStore::GetRun(std::string_view dag_id, std::string_view run_id) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<DagRun> {
    std::optional<DagRun> run;
    SLUICE_TRY(Exec(
        connection,
        fmt::format("SELECT {} FROM dag_run WHERE dag_id = $1 AND run_id = $2", kRunColumns),
        [&run](const SqlRow& row) {
          run = ReadRun(row);
          return OkStatus();
        },
        dag_id, run_id));
    if (!run) return Error::NotFound("{}: DAG '{}' has no run '{}'", description_, dag_id, run_id);
    return std::move(*run);
  });
}

Result<Page<DagRun>> SqlMetaStore::ListRuns(const RunFilter& filter) {
  SqlQuery query;
  if (!filter.dag_id.empty()) query.Where("dag_id = " + query.Bind(filter.dag_id));
  if (!filter.states.empty()) {
    std::vector<std::string_view> names;
    for (DagRunState state : filter.states) names.push_back(DagRunStateName(state));
    query.Where("state IN (" + query.BindList(names) + ")");
  }
  if (filter.run_type) query.Where("run_type = " + query.Bind(RunTypeName(*filter.run_type)));
  if (filter.backfill_id) query.Where("backfill_id = " + query.Bind(*filter.backfill_id));
  auto range = [&query](std::string_view column, std::string_view op,
                        const std::optional<TimePoint>& bound) {
    if (bound) query.Where(fmt::format("{} {} {}", column, op, query.Bind(*bound)));
  };
  range("logical_date", ">=", filter.logical_date_gte);
  range("logical_date", "<=", filter.logical_date_lte);
  range("run_after", ">=", filter.run_after_gte);
  range("run_after", "<=", filter.run_after_lte);
  range("updated_at", ">=", filter.updated_at_gte);
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<Page<DagRun>> {
    Page<DagRun> page;
    if (filter.count_total) {
      int64_t total = 0;
      SLUICE_TRY(connection.Exec("SELECT count(*) FROM dag_run" + query.WhereClause(),
                                 query.params(), [&total](const SqlRow& row) {
                                   total = row.Int(0);
                                   return OkStatus();
                                 }));
      page.total_entries = total;
    }
    std::string sql =
        fmt::format("SELECT {} FROM dag_run{}{}", kRunColumns, query.WhereClause(),
                    OrderBy(RunOrderColumn(filter.order_by), filter.descending, "id"));
    if (filter.limit) sql += fmt::format(" LIMIT {}", std::max(0, *filter.limit));
    if (filter.offset > 0) {
      if (!filter.limit) sql += dialect_.no_limit;
      sql += fmt::format(" OFFSET {}", filter.offset);
    }
    SLUICE_TRY(connection.Exec(sql, query.params(), [&page](const SqlRow& row) {
      page.items.push_back(ReadRun(row));
      return OkStatus();
    }));
    return page;
  });
}

Result<bool> SqlMetaStore::SetRunState(std::string_view dag_id, std::string_view run_id,
                                       DagRunState to, std::optional<DagRunState> expected) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Result<bool> {
    std::optional<DagRun> run;
    SLUICE_TRY(Exec(
        connection,
        fmt::format("SELECT {} FROM dag_run WHERE dag_id = $1 AND run_id = $2{}", kRunColumns,
                    dialect_.lock_rows),
        [&run](const SqlRow& row) {
          run = ReadRun(row);
          return OkStatus();
        },
        dag_id, run_id));
    if (!run) return Error::NotFound("{}: DAG '{}' has no run '{}'", description_, dag_id, run_id);
    if (expected && run->state != *expected) return false;
    if (to == DagRunState::kQueued) {
      run->queued_at = now;
      run->start_date.reset();
      run->end_date.reset();
    } else if (to == DagRunState::kRunning) {
      if (!run->start_date) run->start_date = now;
      run->end_date.reset();
    } else {
      if (!run->start_date) run->start_date = now;
      run->end_date = now;
    }
    SLUICE_TRY(Exec(connection,
                    "UPDATE dag_run SET state = $1, queued_at = $2, start_date = $3,"
                    " end_date = $4, updated_at = $5 WHERE id = $6",
                    {}, DagRunStateName(to), run->queued_at, run->start_date, run->end_date, now,
                    run->id));
    return true;
  });
}

Status SqlMetaStore::DeleteRun(std::string_view dag_id, std::string_view run_id) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    for (std::string_view table : {"task_log_chunk", "task_instance_history", "task_instance"}) {
      SLUICE_TRY(Exec(connection,
                      fmt::format("DELETE FROM {} WHERE dag_id = $1 AND run_id = $2", table), {},
                      dag_id, run_id));
    }
    SLUICE_ASSIGN_OR_RETURN(
        int64_t deleted, Exec(connection, "DELETE FROM dag_run WHERE dag_id = $1 AND run_id = $2",
                              {}, dag_id, run_id));
    if (deleted == 0)
      return Error::NotFound("{}: DAG '{}' has no run '{}'", description_, dag_id, run_id);
    return OkStatus();
  });
}

}  // namespace sluice::metadb
