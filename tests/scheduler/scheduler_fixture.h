// A scheduler on a fresh metadata database (SQLite or PostgreSQL) with a
// private pipelines folder and a ManualClock.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "metadb/test_database.h"
#include "scheduler/scheduler.h"

namespace sluice::scheduler::testing {

using metadb::testing::Backend;

#define SLUICE_ASSERT_OK(expr)                                            \
  do {                                                                    \
    auto&& assert_ok_result = (expr);                                     \
    ASSERT_TRUE(assert_ok_result) << assert_ok_result.error().ToString(); \
  } while (false)

inline TimePoint At(std::string_view iso) { return *ParseIsoTime(iso); }

class SchedulerTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto database = metadb::testing::TestDatabase::Create(GetParam());
    if (!database) {
      if (metadb::testing::RunningInCi()) FAIL() << database.error().ToString();
      GTEST_SKIP() << database.error().ToString();
    }
    database_ = std::move(*database);
    auto store = metadb::OpenMetaStore(database_->url(), {.clock = &clock_});
    ASSERT_TRUE(store) << store.error().ToString();
    store_ = std::move(*store);
    SLUICE_ASSERT_OK(store_->Migrate());
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::replace(name.begin(), name.end(), '/', '_');
    folder_ = std::filesystem::temp_directory_path() /
              ("sluice-scheduler-" + std::to_string(::getpid()) + "-" + name);
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_ / "dags");
  }
  void TearDown() override {
    scheduler_.reset();
    std::filesystem::remove_all(folder_);
  }

  void WriteDag(const std::string& name, const std::string& yaml) {
    std::ofstream(folder_ / "dags" / (name + ".yaml")) << yaml;
  }

  Scheduler& MakeScheduler(SchedulerOptions options = {}) {
    options.store = store_.get();
    options.clock = &clock_;
    options.dags_folder = (folder_ / "dags").string();
    scheduler_ = std::make_unique<Scheduler>(std::move(options));
    return *scheduler_;
  }

  // Passes until one changes nothing.
  void Settle(Scheduler& scheduler, int max_passes = 200) {
    for (int pass = 0; pass < max_passes; ++pass) {
      auto report = scheduler.RunOnce();
      ASSERT_TRUE(report) << report.error().ToString();
      if (!report->changed()) return;
    }
    FAIL() << "the scheduler still changed things after " << max_passes << " passes";
  }

  std::vector<metadb::DagRun> Runs(const std::string& dag_id) {
    auto page = store_->ListRuns({.dag_id = dag_id, .order_by = metadb::RunOrder::kLogicalDate});
    EXPECT_TRUE(page) << page.error().ToString();
    return page ? page->items : std::vector<metadb::DagRun>{};
  }

  std::vector<metadb::TaskInstance> Tasks(const std::string& dag_id, const std::string& run_id) {
    auto page = store_->ListTaskInstances({.dag_id = dag_id, .run_id = run_id});
    EXPECT_TRUE(page) << page.error().ToString();
    return page ? page->items : std::vector<metadb::TaskInstance>{};
  }

  metadb::TaskInstance Task(const std::string& dag_id, const std::string& run_id,
                            const std::string& task_id) {
    auto instance = store_->GetTaskInstance({dag_id, run_id, task_id, -1});
    EXPECT_TRUE(instance) << instance.error().ToString();
    return instance ? *instance : metadb::TaskInstance{};
  }

  // A manual run of a DAG the scheduler has parsed.
  metadb::DagRun Trigger(Scheduler& scheduler, const std::string& dag_id, TimePoint logical_date) {
    auto pipeline = scheduler.PipelineOf(dag_id);
    EXPECT_TRUE(pipeline) << dag_id;
    auto run =
        store_->CreateRun(BuildManualRun(*pipeline, {.logical_date = logical_date}, clock_.Now()));
    EXPECT_TRUE(run) << run.error().ToString();
    return run ? *run : metadb::DagRun{};
  }

  ManualClock clock_{At("2025-03-13T01:00:00Z")};
  std::unique_ptr<metadb::testing::TestDatabase> database_;
  std::unique_ptr<metadb::MetaStore> store_;
  std::filesystem::path folder_;
  std::unique_ptr<Scheduler> scheduler_;
};

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return metadb::testing::BackendName(info.param);
}

}  // namespace sluice::scheduler::testing
