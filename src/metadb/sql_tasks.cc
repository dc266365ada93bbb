// Task instances: reads, compare-and-set transitions, claims and clears.
//
// Every change reads the row under a lock (PostgreSQL: FOR UPDATE; SQLite: the
// write transaction), decides in C++ (transitions.cc) and writes it back, so
// both backends give a state change one meaning. Finished noops are the one
// set-wise write: their end state is the same for all, and a contract test
// holds it to what the transitions would write.
#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "metadb/rows.h"
#include "metadb/sql_store.h"
#include "metadb/transitions.h"

namespace sluice::metadb {
namespace {

constexpr std::string_view kKeyOrder = "dag_id, run_id, task_id, map_index";

std::string_view TaskOrderColumn(TaskInstanceOrder order) {
  switch (order) {
    case TaskInstanceOrder::kKey:
      return "";
    case TaskInstanceOrder::kStartDate:
      return "start_date";
    case TaskInstanceOrder::kEndDate:
      return "end_date";
    case TaskInstanceOrder::kUpdatedAt:
      return "updated_at";
  }
  return "";
}

std::vector<std::string_view> StateNames(TaskStateSet states) {
  std::vector<std::string_view> names;
  for (TaskState state : states.ToVector()) names.push_back(TaskStateName(state));
  return names;
}

void AddFilterConditions(SqlQuery& query, const TaskInstanceFilter& filter) {
  if (!filter.dag_id.empty()) query.Where("dag_id = " + query.Bind(filter.dag_id));
  if (!filter.run_id.empty()) query.Where("run_id = " + query.Bind(filter.run_id));
  if (!filter.task_ids.empty()) {
    query.Where("task_id IN (" + query.BindList(filter.task_ids) + ")");
  }
  if (!filter.map_indexes.empty()) {
    query.Where("map_index IN (" + query.BindList(filter.map_indexes) + ")");
  }
  if (!filter.states.empty()) {
    query.Where("state IN (" + query.BindList(StateNames(filter.states)) + ")");
  }
  if (!filter.queues.empty()) query.Where("queue IN (" + query.BindList(filter.queues) + ")");
  if (!filter.worker_id.empty()) query.Where("worker_id = " + query.Bind(filter.worker_id));
  if (filter.heartbeat_before) {
    query.Where("heartbeat_at < " + query.Bind(*filter.heartbeat_before));
  }
  if (filter.next_retry_before) {
    query.Where("next_retry_at <= " + query.Bind(*filter.next_retry_before));
  }
}

// lock_rows is "" or the dialect's row lock; one statement text each.
Result<std::optional<TaskInstance>> LockTaskInstance(SqlConnection& connection,
                                                     const TaskInstanceKey& key,
                                                     std::string_view lock_rows) {
  static const std::string kSelect = fmt::format(
      "SELECT {} FROM task_instance WHERE dag_id = $1 AND run_id = $2 AND task_id = $3"
      " AND map_index = $4",
      kTaskInstanceColumns);
  thread_local std::string sql;
  sql.assign(kSelect).append(lock_rows);
  std::optional<TaskInstance> ti;
  SLUICE_TRY(Exec(
      connection, sql,
      [&ti](const SqlRow& row) {
        ti = ReadTaskInstance(row);
        return OkStatus();
      },
      key.dag_id, key.run_id, key.task_id, key.map_index));
  return ti;
}

}  // namespace

Result<TaskInstance> SqlMetaStore::GetTaskInstance(const TaskInstanceKey& key) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<TaskInstance> {
    SLUICE_ASSIGN_OR_RETURN(std::optional<TaskInstance> ti, LockTaskInstance(connection, key, ""));
    if (!ti) {
      return Error::NotFound("{}: no task instance {}/{}/{}[{}]", description_, key.dag_id,
                             key.run_id, key.task_id, key.map_index);
    }
    return std::move(*ti);
  });
}

Result<Page<TaskInstance>> SqlMetaStore::QueryTaskInstances(SqlConnection& connection,
                                                            const TaskInstanceFilter& filter) {
  SqlQuery query;
  AddFilterConditions(query, filter);
  Page<TaskInstance> page;
  if (filter.count_total) {
    int64_t total = 0;
    SLUICE_TRY(connection.Exec("SELECT count(*) FROM task_instance" + query.WhereClause(),
                               query.params(), [&total](const SqlRow& row) {
                                 total = row.Int(0);
                                 return OkStatus();
                               }));
    page.total_entries = total;
  }
  std::string_view column = TaskOrderColumn(filter.order_by);
  std::string order;
  if (column.empty()) {
    std::string_view direction = filter.descending ? " DESC" : "";
    order = fmt::format(" ORDER BY dag_id{0}, run_id{0}, task_id{0}, map_index{0}", direction);
  } else {
    order = OrderBy(column, filter.descending, kKeyOrder);
  }
  std::string sql = fmt::format("SELECT {} FROM task_instance{}{}", kTaskInstanceColumns,
                                query.WhereClause(), order);
  if (filter.limit) sql += fmt::format(" LIMIT {}", std::max(0, *filter.limit));
  if (filter.offset > 0) {
    if (!filter.limit) sql += dialect_.no_limit;
    sql += fmt::format(" OFFSET {}", filter.offset);
  }
  SLUICE_TRY(connection.Exec(sql, query.params(), [&page](const SqlRow& row) {
    page.items.push_back(ReadTaskInstance(row));
    return OkStatus();
  }));
  return page;
}

Result<Page<TaskInstance>> SqlMetaStore::ListTaskInstances(const TaskInstanceFilter& filter) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) {
    return QueryTaskInstances(connection, filter);
  });
}

Result<std::vector<TaskInstance>> SqlMetaStore::ListTaskTries(const TaskInstanceKey& key) {
  return InTransaction(
      TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::vector<TaskInstance>> {
        SLUICE_ASSIGN_OR_RETURN(std::optional<TaskInstance> current,
                                LockTaskInstance(connection, key, ""));
        if (!current) {
          return Error::NotFound("{}: no task instance {}/{}/{}[{}]", description_, key.dag_id,
                                 key.run_id, key.task_id, key.map_index);
        }
        std::vector<TaskInstance> tries;
        SLUICE_TRY(Exec(
            connection,
            fmt::format("SELECT {} FROM task_instance_history WHERE dag_id = $1"
                        " AND run_id = $2 AND task_id = $3 AND map_index = $4"
                        " ORDER BY try_number",
                        kTaskInstanceColumns),
            [&tries](const SqlRow& row) {
              tries.push_back(ReadTaskInstance(row));
              return OkStatus();
            },
            key.dag_id, key.run_id, key.task_id, key.map_index));
        bool kept =
            std::any_of(tries.begin(), tries.end(), [&current](const TaskInstance& kept_try) {
              return kept_try.try_number == current->try_number;
            });
        if (current->try_number > 0 && !kept) tries.push_back(std::move(*current));
        return tries;
      });
}

Result<std::vector<bool>> SqlMetaStore::TransitionTaskInstances(
    std::span<const TaskTransition> transitions) {
  // Rows are locked in key order, so two batches touching the same rows cannot deadlock.
  std::vector<size_t> order(transitions.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&transitions](size_t a, size_t b) {
    return transitions[a].key < transitions[b].key;
  });
  TimePoint now = clock_.Now();
  return InTransaction(
      TxnKind::kWrite, [&](SqlConnection& connection) -> Result<std::vector<bool>> {
        std::vector<bool> applied(transitions.size(), false);
        // The transitions of one task instance are adjacent: its row is read
        // once and written once, with their end state, as no other
        // transaction can see the states in between.
        for (size_t first = 0; first < order.size();) {
          const TaskInstanceKey& key = transitions[order[first]].key;
          size_t end = first;
          while (end < order.size() && transitions[order[end]].key == key) ++end;
          SLUICE_ASSIGN_OR_RETURN(std::optional<TaskInstance> ti,
                                  LockTaskInstance(connection, key, dialect_.lock_rows));
          bool unwritten = false;
          for (size_t i = first; ti && i < end; ++i) {
            const TaskTransition& transition = transitions[order[i]];
            if (!GuardHolds(*ti, transition)) continue;
            if (transition.new_try && ti->try_number > 0) {
              if (unwritten) SLUICE_TRY(UpdateTaskInstance(connection, *ti));
              SLUICE_TRY(ArchiveTry(connection, ti->key));
            }
            ApplyTransition(*ti, transition, now);
            unwritten = true;
            applied[order[i]] = true;
          }
          if (unwritten) SLUICE_TRY(UpdateTaskInstance(connection, *ti));
          first = end;
        }
        return applied;
      });
}

namespace {

// Keys of one run as a condition its primary key can seek on: a column held
// to one value and a list for the other. A row-value IN would instead be
// checked against every task instance of the run, once per statement.
struct KeyList {
  std::string_view fixed_column;
  SqlParam fixed;
  std::string_view list_column;
  std::vector<SqlParam> values;
};

// One list per map index (task ids), or per task id (map indexes) when a
// mapped task makes that fewer.
std::vector<KeyList> KeyListsOf(std::span<const std::pair<std::string, int>> tasks) {
  std::map<int, std::vector<SqlParam>> by_map_index;
  std::map<std::string_view, std::vector<SqlParam>> by_task;
  for (const auto& [task_id, map_index] : tasks) {
    by_map_index[map_index].emplace_back(task_id);
    by_task[task_id].emplace_back(map_index);
  }
  std::vector<KeyList> lists;
  if (by_map_index.size() <= by_task.size()) {
    for (auto& [map_index, task_ids] : by_map_index) {
      lists.push_back({"map_index", map_index, "task_id", std::move(task_ids)});
    }
  } else {
    for (auto& [task_id, map_indexes] : by_task) {
      lists.push_back({"task_id", task_id, "map_index", std::move(map_indexes)});
    }
  }
  return lists;
}

}  // namespace

// A run's noops all end the same way but for their try numbers, so they are
// written set-wise: the rows the four transitions would read and write one
// by one are, for a wide fan-out, most of the scheduler's time.
Result<std::vector<TaskInstanceKey>> SqlMetaStore::FinishNoopTasks(const NoopFinish& finish) {
  constexpr size_t kKeysPerStatement = 500;
  TimePoint now = std::chrono::floor<std::chrono::microseconds>(clock_.Now());
  std::vector<KeyList> key_lists = KeyListsOf(finish.tasks);
  auto finish_keys = [&](SqlConnection& connection, const KeyList& keys,
                         std::span<const SqlParam> values,
                         std::vector<TaskInstanceKey>& finished) -> Status {
    SqlQuery query;
    std::string where = fmt::format(
        " WHERE dag_id = {} AND run_id = {} AND {} = {} AND {} IN ({})"
        " AND state IN ('none', 'scheduled')",
        query.Bind(finish.dag_id), query.Bind(finish.run_id), keys.fixed_column,
        query.Bind(keys.fixed), keys.list_column, query.BindList(values));
    SLUICE_TRY(connection.Exec(
        fmt::format("INSERT INTO task_instance_history ({0}) SELECT {0} FROM task_instance"
                    "{1} AND try_number > 0 ON CONFLICT (dag_id, run_id, task_id,"
                    " map_index, try_number) DO NOTHING",
                    kTaskInstanceColumns, where),
        query.params(), {}));
    std::string set = fmt::format(
        "UPDATE task_instance SET state = 'success', try_number = try_number + 1,"
        " queued_at = {0}, start_date = {0}, end_date = {0}, duration = 0,"
        " heartbeat_at = {0}, next_retry_at = NULL, hostname = {1}, pid = {2},"
        " worker_id = {3}, log_location = '', outputs = '{{}}', updated_at = {0}",
        query.Bind(now), query.Bind(finish.hostname), query.Bind(finish.pid),
        query.Bind(finish.worker_id));
    SLUICE_TRY(connection.Exec(set + where + " RETURNING task_id, map_index", query.params(),
                               [&](const SqlRow& row) {
                                 finished.push_back({.dag_id = finish.dag_id,
                                                     .run_id = finish.run_id,
                                                     .task_id = row.Text(0),
                                                     .map_index = static_cast<int>(row.Int(1))});
                                 return OkStatus();
                               }));
    return OkStatus();
  };
  return InTransaction(
      TxnKind::kWrite, [&](SqlConnection& connection) -> Result<std::vector<TaskInstanceKey>> {
        std::vector<TaskInstanceKey> finished;
        for (const KeyList& keys : key_lists) {
          std::span<const SqlParam> values = keys.values;
          for (size_t start = 0; start < values.size(); start += kKeysPerStatement) {
            SLUICE_TRY(finish_keys(
                connection, keys,
                values.subspan(start, std::min(kKeysPerStatement, values.size() - start)),
                finished));
          }
        }
        return finished;
      });
}

Result<std::vector<TaskInstance>> SqlMetaStore::ClaimTaskInstances(const ClaimRequest& request) {
  if (request.worker_id.empty() || request.limit < 1) {
    return Error::InvalidArgument("claim: worker_id must be set and limit at least 1 (got {})",
                                  request.limit);
  }
  TimePoint now = clock_.Now();
  return InTransaction(
      TxnKind::kWrite, [&](SqlConnection& connection) -> Result<std::vector<TaskInstance>> {
        SqlQuery query;
        query.Where("state = 'queued'");
        if (!request.queues.empty())
          query.Where("queue IN (" + query.BindList(request.queues) + ")");
        // The order an index gives (task_instance_queued*): queued_at is never null
        // for a queued row, and ties between equal rows may break either way.
        std::string sql = fmt::format(
            "SELECT {} FROM task_instance{} ORDER BY priority_weight DESC, queued_at LIMIT {}{}",
            kTaskInstanceColumns, query.WhereClause(), request.limit, dialect_.lock_rows_skip);
        std::vector<TaskInstance> claimed;
        SLUICE_TRY(connection.Exec(sql, query.params(), [&claimed](const SqlRow& row) {
          claimed.push_back(ReadTaskInstance(row));
          return OkStatus();
        }));
        for (TaskInstance& ti : claimed) {
          ApplyClaim(ti, request, now);
          SLUICE_TRY(UpdateTaskInstance(connection, ti));
        }
        return claimed;
      });
}

Result<std::vector<TaskInstance>> SqlMetaStore::ClearTaskInstances(const ClearRequest& request) {
  if (request.dag_id.empty()) return Error::InvalidArgument("clear: dag_id must be set");
  TimePoint now = clock_.Now();
  SqlQuery query;
  query.Where("dag_id = " + query.Bind(request.dag_id));
  if (!request.run_ids.empty()) query.Where("run_id IN (" + query.BindList(request.run_ids) + ")");
  if (request.logical_date_gte || request.logical_date_lte) {
    SqlQuery& q = query;
    std::string runs =
        "run_id IN (SELECT run_id FROM dag_run WHERE dag_id = " + q.Bind(request.dag_id);
    if (request.logical_date_gte)
      runs += " AND logical_date >= " + q.Bind(*request.logical_date_gte);
    if (request.logical_date_lte)
      runs += " AND logical_date <= " + q.Bind(*request.logical_date_lte);
    query.Where(runs + ")");
  }
  if (!request.task_ids.empty())
    query.Where("task_id IN (" + query.BindList(request.task_ids) + ")");
  if (!request.map_indexes.empty()) {
    query.Where("map_index IN (" + query.BindList(request.map_indexes) + ")");
  }
  if (!request.only_states.empty()) {
    query.Where("state IN (" + query.BindList(StateNames(request.only_states)) + ")");
  }
  std::string sql =
      fmt::format("SELECT {} FROM task_instance{} ORDER BY {}{}", kTaskInstanceColumns,
                  query.WhereClause(), kKeyOrder, dialect_.lock_rows);
  TxnKind kind = request.dry_run ? TxnKind::kRead : TxnKind::kWrite;
  return InTransaction(kind, [&](SqlConnection& connection) -> Result<std::vector<TaskInstance>> {
    std::vector<TaskInstance> before;
    // dry_run takes no locks: a plain read.
    std::string select =
        request.dry_run ? sql.substr(0, sql.size() - dialect_.lock_rows.size()) : sql;
    SLUICE_TRY(connection.Exec(select, query.params(), [&before](const SqlRow& row) {
      before.push_back(ReadTaskInstance(row));
      return OkStatus();
    }));
    if (request.dry_run) return before;
    std::set<std::string> runs;
    for (const TaskInstance& ti : before) {
      if (ti.try_number > 0) SLUICE_TRY(ArchiveTry(connection, ti.key));
      TaskInstance cleared = ti;
      ApplyClear(cleared, now);
      SLUICE_TRY(UpdateTaskInstance(connection, cleared));
      runs.insert(ti.key.run_id);
    }
    for (const std::string& run_id : runs) {
      SLUICE_TRY(Exec(connection,
                      "UPDATE dag_run SET state = 'queued', queued_at = $1, start_date = NULL,"
                      " end_date = NULL, updated_at = $1 WHERE dag_id = $2 AND run_id = $3"
                      " AND state IN ('success', 'failed')",
                      {}, now, request.dag_id, run_id));
    }
    return before;
  });
}

}  // namespace sluice::metadb
