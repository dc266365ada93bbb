// The fixture every MetaStore contract test runs in, once per backend: a fresh
// migrated database, a ManualClock, and small builders for DAGs and runs.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "metadb/metadb.h"
#include "metadb/test_database.h"

namespace sluice::metadb::testing {

// 2025-03-15T06:00:00Z
inline const TimePoint kStart = TimePoint(std::chrono::seconds(1742018400));

inline TimePoint Micros(TimePoint time) {
  return std::chrono::floor<std::chrono::microseconds>(time);
}

#define ASSERT_OK(expr)                                                   \
  do {                                                                    \
    auto&& assert_ok_result = (expr);                                     \
    ASSERT_TRUE(assert_ok_result) << assert_ok_result.error().ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL(SLUICE_CONCAT(assert_result_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL(result, lhs, expr) \
  auto result = (expr);                              \
  ASSERT_TRUE(result) << result.error().ToString();  \
  lhs = std::move(result).value()

class MetaStoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;

  // A fresh store on the same database (another connection pool, as another process would have).
  std::unique_ptr<MetaStore> OpenAnother();

  DagRecord MakeDag(const std::string& dag_id, const std::string& hash = "h1");
  void SyncDag(const std::string& dag_id, const std::string& hash = "h1");
  // A manual run with one task instance per task id (map_index -1), state none.
  DagRun CreateRun(const std::string& dag_id, const std::string& run_id,
                   const std::vector<std::string>& task_ids,
                   std::optional<TimePoint> logical_date = std::nullopt);
  TaskInstanceKey Key(const std::string& run_id, const std::string& task_id, int map_index = -1);
  TaskInstance Get(const TaskInstanceKey& key);
  // none -> queued with a new try, as a scheduler does.
  void Queue(const TaskInstanceKey& key);

  ManualClock clock_{kStart};
  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<MetaStore> store_;
  std::string dag_id_ = "etl";
};

std::string BackendParamName(const ::testing::TestParamInfo<Backend>& info);

}  // namespace sluice::metadb::testing
