// A worker process for the multi-process claim test: waits until its start
// pipe closes (so every worker starts at once), then claims task instances in
// small batches until none is left, marks each success (fenced by its try),
// and prints one "task_id map_index try_number" line per claim.
//
// usage: metadb_claim_worker <url> <worker_id> <start_fd> <batch>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "metadb/metadb.h"

int main(int argc, char** argv) {
  using namespace sluice::metadb;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s <url> <worker_id> <start_fd> <batch>\n", argv[0]);
    return 2;
  }
  auto url = sluice::Url::Parse(argv[1]);
  std::string worker_id = argv[2];
  int start_fd = std::atoi(argv[3]);
  int batch = std::atoi(argv[4]);
  if (!url) return 2;
  auto store = OpenMetaStore(*url);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().ToString().c_str());
    return 1;
  }
  char byte;
  while (read(start_fd, &byte, 1) > 0) {
  }
  for (;;) {
    ClaimRequest request{.worker_id = worker_id,
                         .hostname = "claim-test",
                         .pid = getpid(),
                         .queues = {},
                         .limit = batch};
    auto claimed = (*store)->ClaimTaskInstances(request);
    if (!claimed) {
      std::fprintf(stderr, "claim: %s\n", claimed.error().ToString().c_str());
      return 1;
    }
    if (claimed->empty()) break;
    std::vector<TaskTransition> done;
    for (const TaskInstance& ti : *claimed) {
      std::printf("%s %d %d\n", ti.key.task_id.c_str(), ti.key.map_index, ti.try_number);
      TaskTransition transition;
      transition.key = ti.key;
      transition.from = {TaskState::kRunning};
      transition.expected_try = ti.try_number;
      transition.to = TaskState::kSuccess;
      done.push_back(transition);
    }
    auto applied = (*store)->TransitionTaskInstances(done);
    if (!applied) {
      std::fprintf(stderr, "transition: %s\n", applied.error().ToString().c_str());
      return 1;
    }
    for (bool ok : *applied) {
      if (!ok) {
        std::fprintf(stderr, "a claimed try was not this worker's\n");
        return 1;
      }
    }
  }
  std::fflush(stdout);
  return 0;
}
