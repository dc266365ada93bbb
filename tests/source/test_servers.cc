#include "source/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <fstream>
#include <stdexcept>

namespace sluice::source::testing {

HttpTestServer::HttpTestServer() {
  // One request per connection unless a test asks for more: an idle
  // keep-alive connection would hold Stop() for the keep-alive timeout.
  server_.set_keep_alive_max_count(1);
  server_.set_keep_alive_timeout(1);
  server_.set_read_timeout(2);
}

HttpTestServer::~HttpTestServer() { Stop(); }

void HttpTestServer::Start() {
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() before the accept loop runs would be lost; the socket already
  // accepts connections, this only waits for the loop to exist.
  while (!server_.is_running()) std::this_thread::yield();
}

void HttpTestServer::Stop() {
  if (!thread_.joinable()) return;
  server_.stop();
  thread_.join();
}

std::string HttpTestServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

RawTestServer::RawTestServer(Responder respond) : respond_(std::move(respond)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 16) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("raw test server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { Serve(); });
}

RawTestServer::~RawTestServer() {
  is_stopping_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  thread_.join();
  close(listen_fd_);
}

std::string RawTestServer::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void RawTestServer::Serve() {
  while (!is_stopping_) {
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    ++connections_;
    std::string head;
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      pollfd readable{fd, POLLIN, 0};
      if (poll(&readable, 1, 2000) <= 0) break;
      ssize_t count = read(fd, buffer, sizeof buffer);
      if (count <= 0) break;
      head.append(buffer, static_cast<size_t>(count));
    }
    std::string response = respond_(head.substr(0, head.find("\r\n")));
    size_t sent = 0;
    while (sent < response.size()) {
      ssize_t count = send(fd, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
      if (count <= 0) break;
      sent += static_cast<size_t>(count);
    }
    shutdown(fd, SHUT_WR);
    close(fd);
  }
}

bool Gate::Wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return opened_.wait_for(lock, timeout, [this] { return is_open_; });
}

void Gate::Open() {
  std::lock_guard lock(mutex_);
  is_open_ = true;
  opened_.notify_all();
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);  // bound, never listened: connecting is refused
  return ntohs(address.sin_port);
}

size_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    char pair[3];
    snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

std::string Gzip(std::string_view bytes) {
  z_stream stream{};
  // 15 + 16: a gzip wrapper rather than zlib's.
  deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, bytes.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace sluice::source::testing
