// ProcessHost with a real host process (process_host_helper, whose children
// exec their argv): what RunProcess promises holds when a fork of the host
// starts the process instead.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "operators/process.h"

namespace sluice::operators {
namespace {

using std::chrono::milliseconds;

struct Ran {
  ProcessResult result;
  std::vector<std::string> lines;
};

class ProcessHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_ = std::make_unique<ProcessHost>(std::vector<std::string>{SLUICE_PROCESS_HOST_HELPER});
  }

  Ran Run(ProcessSpec spec) {
    Ran ran;
    auto result = host_->Run(spec, [&ran](std::string_view line) { ran.lines.emplace_back(line); });
    EXPECT_TRUE(result) << result.error().ToString();
    if (result) ran.result = *result;
    return ran;
  }
  static ProcessSpec Shell(const std::string& script) { return {.argv = {"sh", "-c", script}}; }

  std::unique_ptr<ProcessHost> host_;
};

// Gone, or a zombie nobody waits for: no longer running either way.
bool IsRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t end = text.rfind(')');
  return end != std::string::npos && end + 2 < text.size() && text[end + 2] != 'Z';
}

TEST_F(ProcessHostTest, PassesOutputLinesAndTheExitCode) {
  Ran ran = Run(Shell("echo out; echo err >&2; printf 'no end'; exit 3"));
  EXPECT_EQ(ran.result.exit_code, 3);
  EXPECT_EQ(ran.result.signal, 0);
  EXPECT_EQ(ran.lines, (std::vector<std::string>{"out", "err", "no end"}));
}

TEST_F(ProcessHostTest, EachChildHasItsOwnGroupAndNoInput) {
  Ran ran = Run(Shell("ps -o pgid= -p $$ | tr -d ' '; echo $$; cat; echo read-done"));
  ASSERT_EQ(ran.lines.size(), 3u);
  EXPECT_EQ(ran.lines[0], ran.lines[1]);  // the leader of its group
  EXPECT_EQ(ran.lines[2], "read-done");   // stdin is /dev/null, not the worker's
}

TEST_F(ProcessHostTest, SaysWhichSignalEndedIt) {
  Ran ran = Run(Shell("kill -KILL $$"));
  EXPECT_EQ(ran.result.signal, SIGKILL);
}

TEST_F(ProcessHostTest, ATimeoutStopsTheWholeGroup) {
  ProcessSpec spec = Shell("sleep 30 & echo $!; wait");
  spec.timeout = milliseconds(300);
  Ran ran = Run(spec);
  EXPECT_TRUE(ran.result.timed_out);
  ASSERT_EQ(ran.lines.size(), 1u);
  pid_t background = std::stoi(ran.lines[0]);
  for (int i = 0; i < 50 && IsRunning(background); ++i)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_FALSE(IsRunning(background));
}

TEST_F(ProcessHostTest, ACancelStopsIt) {
  std::atomic<bool> cancel{false};
  ProcessSpec spec = Shell("echo started; exec sleep 30");
  spec.cancel = &cancel;
  std::thread canceller([&cancel] {
    std::this_thread::sleep_for(milliseconds(200));
    cancel = true;
  });
  Ran ran = Run(spec);
  canceller.join();
  EXPECT_TRUE(ran.result.cancelled);
  EXPECT_EQ(ran.result.signal, SIGTERM);
}

TEST_F(ProcessHostTest, ManyThreadsAtOnceEachGetTheirOwnProcess) {
  constexpr int kThreads = 6, kRuns = 8;
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        int code = (t * kRuns + r) % 100;
        std::vector<std::string> lines;
        auto result =
            host_->Run(Shell("echo " + std::to_string(code) + "; exit " + std::to_string(code)),
                       [&lines](std::string_view line) { lines.emplace_back(line); });
        if (result && result->exit_code == code && lines == std::vector{std::to_string(code)}) {
          ++right;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(right.load(), kThreads * kRuns);
}

TEST_F(ProcessHostTest, AnEnvironmentOrFolderStartsAsAProgram) {
  ProcessSpec spec = Shell("echo $SLUICE_HOST_TEST_VALUE; pwd");
  spec.env = {{"SLUICE_HOST_TEST_VALUE", "given"}};
  spec.working_dir = "/tmp";
  Ran ran = Run(spec);
  EXPECT_EQ(ran.lines, (std::vector<std::string>{"given", "/tmp"}));
}

TEST_F(ProcessHostTest, OnceTheHostIsGoneProcessesStartAsPrograms) {
  // The child kills its parent, the host: it goes with it, and the next runs
  // do not need the host.
  Ran killed = Run(Shell("kill -KILL $PPID; sleep 5"));
  EXPECT_NE(killed.result.signal, 0);
  for (int i = 0; i < 3; ++i) {
    Ran ran = Run(Shell("echo after; exit 4"));
    EXPECT_EQ(ran.result.exit_code, 4);
    EXPECT_EQ(ran.lines, std::vector<std::string>{"after"});
  }
}

TEST(ProcessHostStartTest, AHostThatCannotStartLeavesProcessesToStartAsPrograms) {
  ProcessHost host({"/nonexistent/host"});
  std::vector<std::string> lines;
  auto result = host.Run({.argv = {"sh", "-c", "echo fine; exit 5"}},
                         [&lines](std::string_view line) { lines.emplace_back(line); });
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(result->exit_code, 5);
  EXPECT_EQ(lines, std::vector<std::string>{"fine"});
}

// Processes whose parent is this one, from /proc/<pid>/stat.
int ChildCount() {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    size_t end = text.rfind(')');
    if (end == std::string::npos) continue;
    std::istringstream rest(text.substr(end + 2));
    std::string state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == ::getpid()) ++count;
  }
  return count;
}

TEST(ProcessHostStartTest, TheHostStartsWithTheFirstRun) {
  int before = ChildCount();
  ProcessHost host({SLUICE_PROCESS_HOST_HELPER});
  EXPECT_EQ(ChildCount(), before);  // nothing started yet
  auto result = host.Run({.argv = {"true"}}, {});
  ASSERT_TRUE(result) << result.error().ToString();
  EXPECT_EQ(ChildCount(), before + 1);  // the host, waiting for the next
}

TEST_F(ProcessHostTest, AProgramThatCannotRunFailsAsItsChild) {
  Ran ran = Run({.argv = {"/nonexistent/program"}});
  EXPECT_EQ(ran.result.exit_code, 127);
  ASSERT_FALSE(ran.lines.empty());
  EXPECT_NE(ran.lines[0].find("/nonexistent/program"), std::string::npos);
}

}  // namespace
}  // namespace sluice::operators
