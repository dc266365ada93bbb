// Real HTTP servers on 127.0.0.1 with ephemeral ports, for the source tests.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sluice::source::testing {

// cpp-httplib serving on its own thread. Add routes through server() before Start().
class HttpTestServer {
 public:
  HttpTestServer();
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  httplib::Server& server() { return server_; }
  void Start();
  void Stop();
  std::string url() const;  // "http://127.0.0.1:PORT"

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A plain TCP server for what HTTP libraries will not do, such as announcing a
// Content-Length and closing early. Each connection: read the request head,
// write respond(request_line), close.
class RawTestServer {
 public:
  using Responder = std::function<std::string(const std::string& request_line)>;
  explicit RawTestServer(Responder respond);
  ~RawTestServer();
  RawTestServer(const RawTestServer&) = delete;
  RawTestServer& operator=(const RawTestServer&) = delete;

  std::string url() const;
  int connections() const { return connections_; }

 private:
  void Serve();

  Responder respond_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<bool> is_stopping_{false};
  std::thread thread_;
};

// Blocks handlers until released (or a deadline passes), so a test can hold
// a request open without sleeping.
class Gate {
 public:
  // Waits until Open() or the timeout; true when opened.
  bool Wait(std::chrono::milliseconds timeout);
  void Open();

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool is_open_ = false;
};

// A port on 127.0.0.1 that nothing listens on.
int UnusedPort();

// Peak resident memory of this process, in bytes (VmHWM).
size_t PeakRssBytes();

std::string Sha256Hex(std::string_view bytes);
std::string Gzip(std::string_view bytes);

}  // namespace sluice::source::testing
