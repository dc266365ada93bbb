// The /metrics-only server of `sluice worker` and `sluice scheduler`.
#include <httplib.h>

#include <thread>

#include "core/metrics.h"
#include "server/server.h"

namespace sluice::server {

struct MetricsServer::Impl {
  std::string host;
  int requested_port = 0;
  int port = 0;
  bool running = false;
  httplib::Server http;
  std::thread thread;
};

MetricsServer::MetricsServer(std::string host, int port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->requested_port = port;
}

MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start() {
  Impl& impl = *impl_;
  if (impl.running) return OkStatus();
  impl.http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  impl.http.set_tcp_nodelay(true);  // a scraper keeps its connection: see web_server.cc
  impl.http.Get("/metrics", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(RenderProcessMetrics(), std::string(kMetricsContentType));
  });
  impl.port =
      impl.requested_port == 0
          ? impl.http.bind_to_any_port(impl.host)
          : (impl.http.bind_to_port(impl.host, impl.requested_port) ? impl.requested_port : -1);
  if (impl.port <= 0) {
    return Error::Unavailable("metrics server: cannot listen on {}:{}", impl.host,
                              impl.requested_port)
        .Hint("is another process using the port? choose another with --metrics-port");
  }
  impl.thread = std::thread([&impl] { impl.http.listen_after_bind(); });
  impl.running = true;
  return OkStatus();
}

void MetricsServer::Stop() {
  Impl& impl = *impl_;
  if (!impl.running) return;
  impl.http.stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.running = false;
}

int MetricsServer::port() const { return impl_->port; }

}  // namespace sluice::server
