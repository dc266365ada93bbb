// The MetaStore contract, part 3: several processes claim from one database
// (as `sluice worker` processes do) and no task instance reaches two of them.
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include "metadb/contract_fixture.h"

namespace sluice::metadb::testing {
namespace {

struct Child {
  pid_t pid = -1;
  int output_fd = -1;
  std::string output;
};

// Starts a claim worker whose stdout we read; it waits for start_fd to close.
Child SpawnWorker(const std::string& url, const std::string& worker_id, int start_read_fd,
                  int start_write_fd) {
  int out[2];
  if (pipe(out) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(start_write_fd);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::string fd = std::to_string(start_read_fd);
    execl(SLUICE_METADB_CLAIM_WORKER, SLUICE_METADB_CLAIM_WORKER, url.c_str(), worker_id.c_str(),
          fd.c_str(), "7", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  return Child{pid, out[0], ""};
}

void ReadAll(Child& child) {
  char buffer[4096];
  ssize_t n;
  while ((n = read(child.output_fd, buffer, sizeof buffer)) > 0) child.output.append(buffer, n);
  close(child.output_fd);
}

TEST_P(MetaStoreContract, ClaimsFromManyProcessesHandEachTaskInstanceOnce) {
  constexpr int kProcesses = 4;
  constexpr int kTasks = kProcesses * 500;
  SyncDag(dag_id_);
  NewRun run;
  run.run.dag_id = dag_id_;
  run.run.run_id = "r";
  run.run.run_after = kStart;
  for (int i = 0; i < kTasks; ++i) {
    run.task_instances.push_back({.task_id = "t", .map_index = i, .state = TaskState::kQueued});
  }
  ASSERT_OK(store_->CreateRun(run));

  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<Child> children;
  for (int p = 0; p < kProcesses; ++p) {
    children.push_back(
        SpawnWorker(database_->url_text(), fmt::format("proc{}", p), start[0], start[1]));
    ASSERT_GT(children.back().pid, 0);
  }
  close(start[0]);
  close(start[1]);                   // every worker starts now
  std::map<int, std::string> owner;  // map_index -> worker
  int duplicates = 0;
  for (int p = 0; p < kProcesses; ++p) {
    Child& child = children[p];
    ReadAll(child);
    int status = 0;
    ASSERT_EQ(waitpid(child.pid, &status, 0), child.pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "worker " << p << " failed";
    std::istringstream lines(child.output);
    std::string task_id;
    int map_index, try_number;
    while (lines >> task_id >> map_index >> try_number) {
      EXPECT_EQ(try_number, 1);
      if (!owner.emplace(map_index, fmt::format("proc{}", p)).second) ++duplicates;
    }
  }
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(owner.size(), static_cast<size_t>(kTasks));
  TaskInstanceFilter filter{.dag_id = dag_id_, .run_id = "r"};
  ASSERT_OK_AND_ASSIGN(Page<TaskInstance> tis, store_->ListTaskInstances(filter));
  ASSERT_EQ(tis.items.size(), static_cast<size_t>(kTasks));
  for (const TaskInstance& ti : tis.items) {
    EXPECT_EQ(ti.state, TaskState::kSuccess);
    EXPECT_EQ(ti.worker_id, owner[ti.key.map_index]) << ti.key.map_index;
  }
}

}  // namespace
}  // namespace sluice::metadb::testing
