// A TCP proxy in front of the real S3 server that injects faults, in the
// manner of LevelDB's fault-injection Env: the first connections get a canned
// HTTP answer (a 503 SlowDown, say), and responses can be cut after a number
// of bytes (a connection that dies mid-body). One connection at a time.
#pragma once

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>
#include <utility>

namespace sluice::lake::testing {

class FaultProxy {
 public:
  struct Faults {
    int answer_first = 0;         // connections answered with `answer`, not forwarded
    std::string answer;           // a whole HTTP response
    size_t cut_after = SIZE_MAX;  // bytes of each forwarded response before closing
  };
  static Faults AnswerFirst(int connections, std::string answer) {
    return {connections, std::move(answer), SIZE_MAX};
  }
  static Faults CutAfter(size_t bytes) { return {0, "", bytes}; }

  FaultProxy(int upstream_port, Faults faults);
  ~FaultProxy();
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

  // "HTTP/1.1 <status>" with an S3 error document and Connection: close.
  static std::string ErrorAnswer(int status, const std::string& code);

 private:
  void Serve();
  void Answer(int client);
  void Pump(int client);

  int upstream_port_;
  Faults faults_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace sluice::lake::testing
