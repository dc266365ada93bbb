// A load killed mid-COPY (SIGKILL, no chance to clean up) leaves the target
// exactly as it was: the server rolls the transaction back when the session
// ends, and everything happened inside it.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "warehouse/pg_fixture.h"
#include "warehouse/test_tables.h"

extern char** environ;

namespace sluice::warehouse::testing {
namespace {

using Rows = std::vector<std::vector<std::string>>;
using std::chrono::steady_clock;

constexpr int64_t kBigRows = 2'000'000;

class LoadAtomicityTest : public PgFixture {
 protected:
  void SetUp() override {
    PgFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(warehouse_->EnsureTables(schema_, std::span(&table_, 1)));
    // The baseline: ids 1..1000, loaded and committed.
    auto baseline = WriteBigPartition(*lake_, table_, "2025-03-15", 1, 1000, 1);
    ASSERT_TRUE(baseline) << baseline.error().ToString();
    baseline_key_ = *baseline;
    auto loaded = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                                    .schema = schema_,
                                                    .table = table_,
                                                    .manifest_key = *baseline,
                                                    .part_keys = {},
                                                    .run_id = "baseline",
                                                    .manifest_text = std::nullopt});
    ASSERT_TRUE(loaded) << loaded.error().ToString();
    before_ = Checksum();
    ASSERT_EQ(before_[0][0], "1000");
    application_ = UniqueName("sluice_kill");
  }

  // 2M rows overlapping the baseline: ids 501..1000 get new names.
  void WriteBigLoad() {
    auto big = WriteBigPartition(*lake_, table_, "2025-03-16", 501, kBigRows, 4, /*version=*/2);
    ASSERT_TRUE(big) << big.error().ToString();
    big_key_ = *big;
  }

  void TearDown() override {
    if (child_ > 0) {
      ::kill(child_, SIGKILL);
      ::waitpid(child_, nullptr, 0);
    }
    if (pipe_fd_ >= 0) ::close(pipe_fd_);
    PgFixture::TearDown();
  }

  // Row count and a digest of every row, _run_id and _loaded_at included.
  Rows Checksum() {
    auto rows = warehouse_->Query(fmt::format(
        "SELECT count(*), md5(string_agg(to_jsonb(t)::text, '|' ORDER BY id)) FROM {}.big t",
        schema_));
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : Rows{};
  }

  // Starts the child with its stdout on a pipe we read.
  void SpawnChild(const std::string& manifest_key, uint64_t pause_after_bytes) {
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    std::string url = UrlWithParameter(url_, "application_name", application_);
    std::string root = lake_root_.string();
    std::string pause = std::to_string(pause_after_bytes);
    std::string manifest = manifest_key;
    std::string path = SLUICE_WAREHOUSE_LOAD_CHILD;
    char* argv[] = {path.data(),     url.data(),   root.data(), schema_.data(),
                    manifest.data(), pause.data(), nullptr};
    int spawned = posix_spawn(&child_, path.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    pipe_fd_ = fds[0];
    ASSERT_EQ(spawned, 0) << path;
  }

  // The child's backend: its state and query, or empty when it has none.
  Rows ChildBackend() {
    const std::string params[] = {application_};
    auto rows = warehouse_->Query(
        "SELECT state, left(query, 40) FROM pg_stat_activity WHERE application_name = $1", params);
    EXPECT_TRUE(rows) << rows.error().ToString();
    return rows ? *rows : Rows{};
  }

  bool ChildIsCopying() {
    Rows backend = ChildBackend();
    return backend.size() == 1 && backend[0][0] == "active" &&
           backend[0][1].starts_with("COPY pg_temp._sluice_staging");
  }

  // Kills the child, checks it died of the signal, waits for its session to end.
  void KillChildAndWaitForItsSession() {
    ASSERT_EQ(::kill(child_, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child_, &status, 0), child_);
    child_ = -1;
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child finished before it was killed (status " << status << ")";
    auto deadline = steady_clock::now() + std::chrono::seconds(30);
    while (!ChildBackend().empty()) {
      ASSERT_LT(steady_clock::now(), deadline) << "the killed load's session did not end";
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  void ExpectTargetUnchangedAndUsable() {
    EXPECT_EQ(Checksum(), before_);
    // Nothing is left locked: the same baseline loads again, changing nothing.
    auto again = warehouse_->LoadTable(LoadRequest{.store = *lake_,
                                                   .schema = schema_,
                                                   .table = table_,
                                                   .manifest_key = baseline_key_,
                                                   .part_keys = {},
                                                   .run_id = "again",
                                                   .manifest_text = std::nullopt});
    ASSERT_TRUE(again) << again.error().ToString();
    EXPECT_EQ(again->rows_unchanged, 1000);
    EXPECT_EQ(Checksum(), before_);
  }

  TableSpec table_ = BigTable();
  std::string baseline_key_;
  std::string big_key_;
  std::string application_;
  Rows before_;
  pid_t child_ = -1;
  int pipe_fd_ = -1;
};

TEST_F(LoadAtomicityTest, KilledWhileCopyWaitsForDataLeavesTargetUnchanged) {
  // The child stops after 24 MiB of its 2M rows have gone into COPY.
  ASSERT_NO_FATAL_FAILURE(WriteBigLoad());
  ASSERT_NO_FATAL_FAILURE(SpawnChild(big_key_, 24u << 20));
  pollfd ready{pipe_fd_, POLLIN, 0};
  ASSERT_EQ(::poll(&ready, 1, 120'000), 1) << "the child never reached the middle of its COPY";
  char mark = 0;
  ASSERT_EQ(::read(pipe_fd_, &mark, 1), 1);
  ASSERT_EQ(mark, 'P');
  ASSERT_TRUE(ChildIsCopying()) << ::testing::PrintToString(ChildBackend());
  ASSERT_NO_FATAL_FAILURE(KillChildAndWaitForItsSession());
  ExpectTargetUnchangedAndUsable();
}

TEST_F(LoadAtomicityTest, KilledWhileStreamingAtFullSpeedLeavesTargetUnchanged) {
  ASSERT_NO_FATAL_FAILURE(WriteBigLoad());
  ASSERT_NO_FATAL_FAILURE(SpawnChild(big_key_, 0));
  auto deadline = steady_clock::now() + std::chrono::seconds(120);
  while (!ChildIsCopying()) {
    ASSERT_LT(steady_clock::now(), deadline) << "the child's COPY never showed";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_NO_FATAL_FAILURE(KillChildAndWaitForItsSession());
  ExpectTargetUnchangedAndUsable();
}

TEST_F(LoadAtomicityTest, TheChildUninterruptedDoesChangeTheTarget) {
  // The control: the same child and table, left to finish a smaller load
  // (ids 501..1500, names changed), commits its upsert.
  auto control = WriteBigPartition(*lake_, table_, "2025-03-17", 501, 1000, 2, /*version=*/2);
  ASSERT_TRUE(control) << control.error().ToString();
  ASSERT_NO_FATAL_FAILURE(SpawnChild(*control, 0));
  int status = 0;
  ASSERT_EQ(::waitpid(child_, &status, 0), child_);
  child_ = -1;
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  auto rows =
      warehouse_->Query(fmt::format("SELECT count(*), count(*) FILTER (WHERE _run_id = 'child'), "
                                    "count(*) FILTER (WHERE name LIKE 'v2 %') FROM {}.big",
                                    schema_));
  ASSERT_TRUE(rows) << rows.error().ToString();
  EXPECT_EQ(*rows, (Rows{{"1500", "1000", "1000"}}));
}

}  // namespace
}  // namespace sluice::warehouse::testing
