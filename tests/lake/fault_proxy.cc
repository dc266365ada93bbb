#include "lake/fault_proxy.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace sluice::lake::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

FaultProxy::FaultProxy(int upstream_port, Faults faults)
    : upstream_port_(upstream_port), faults_(std::move(faults)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listen_fd_, 8);
  socklen_t size = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &size);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

FaultProxy::~FaultProxy() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string FaultProxy::ErrorAnswer(int status, const std::string& code) {
  std::string body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{}</Code><Message>injected by "
      "the test</Message></Error>",
      code);
  return fmt::format(
      "HTTP/1.1 {} Injected\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n"
      "Connection: close\r\n\r\n{}",
      status, body.size(), body);
}

void FaultProxy::Serve() {
  while (!stop_) {
    pollfd ready{listen_fd_, POLLIN, 0};
    if (::poll(&ready, 1, 50) <= 0) continue;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    if (connections_.fetch_add(1) < faults_.answer_first) {
      Answer(client);
    } else {
      Pump(client);
    }
    ::close(client);
  }
}

// Reads the request head (the requests answered here carry no body), answers, closes.
void FaultProxy::Answer(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 65536) {
    pollfd ready{client, POLLIN, 0};
    if (::poll(&ready, 1, 2000) <= 0) return;
    ssize_t n = ::read(client, buffer, sizeof buffer);
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  (void)!::write(client, faults_.answer.data(), faults_.answer.size());
  ::shutdown(client, SHUT_WR);
}

void FaultProxy::Pump(int client) {
  int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(upstream_port_);
  size_t sent_back = 0;
  if (::connect(upstream, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
    char buffer[16384];
    while (!stop_ && sent_back < faults_.cut_after) {
      pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
      if (::poll(fds, 2, 50) <= 0) continue;
      if (fds[0].revents != 0) {
        ssize_t n = ::read(client, buffer, sizeof buffer);
        if (n <= 0 || ::write(upstream, buffer, static_cast<size_t>(n)) != n) break;
      }
      if (fds[1].revents != 0) {
        size_t room = std::min(sizeof buffer, faults_.cut_after - sent_back);
        ssize_t n = ::read(upstream, buffer, room);
        if (n <= 0 || ::write(client, buffer, static_cast<size_t>(n)) != n) break;
        sent_back += static_cast<size_t>(n);
      }
    }
  }
  ::close(upstream);
}

}  // namespace sluice::lake::testing
