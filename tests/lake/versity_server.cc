#include "lake/versity_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "lake/store_fixture.h"

extern char** environ;

namespace sluice::lake::testing {
namespace {

bool Listening(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return connected;
}

std::string RandomKey(size_t size) {
  std::string out;
  while (out.size() < size) out += RandomSuffix();
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out.substr(0, size);
}

}  // namespace

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t size = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

std::string VersityServer::BinaryPath() {
  std::vector<std::string> candidates;
  if (const char* path = std::getenv("SLUICE_VERSITYGW")) candidates.push_back(path);
  if (const char* tools = std::getenv("SLUICE_TOOLS")) {
    candidates.push_back(std::string(tools) + "/bin/versitygw");
  }
  if (const char* home = std::getenv("SLUICE_DEV_HOME")) {
    candidates.push_back(std::string(home) + "/tools/bin/versitygw");
  }
  candidates.push_back(std::string(SLUICE_SOURCE_DIR) + "/.sluice-dev/tools/bin/versitygw");
  for (const std::string& candidate : candidates) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

VersityServer::VersityServer()
    : access_key_(RandomKey(20)), secret_key_(RandomKey(20) + RandomKey(20)) {}

VersityServer::~VersityServer() {
  Kill();
  if (!folder_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(folder_, ignored);
  }
}

std::string VersityServer::Start(const std::string& virtual_domain) {
  virtual_domain_ = virtual_domain;
  folder_ = (std::filesystem::temp_directory_path() / ("sluice-vgw-" + RandomSuffix())).string();
  std::filesystem::create_directories(folder_ + "/root");
  port_ = FreePort();
  return Launch();
}

std::string VersityServer::Restart() { return Launch(); }

std::string VersityServer::Launch() {
  std::string binary = BinaryPath();
  if (binary.empty()) return "versitygw is not installed (run scripts/bootstrap)";
  std::string listen = "127.0.0.1:" + std::to_string(port_);
  std::string root = folder_ + "/root";
  std::vector<std::string> args = {binary, "--port", listen, "--quiet"};
  if (!virtual_domain_.empty()) {
    args.push_back("--virtual-domain");
    args.push_back(virtual_domain_);
  }
  args.insert(args.end(), {"posix", root});
  std::vector<std::string> env = {"ROOT_ACCESS_KEY_ID=" + access_key_,
                                  "ROOT_SECRET_ACCESS_KEY=" + secret_key_};
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  std::vector<char*> argv, envp;
  for (std::string& arg : args) argv.push_back(arg.data());
  for (std::string& entry : env) envp.push_back(entry.data());
  argv.push_back(nullptr);
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string log = folder_ + "/versitygw.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int spawned = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return "posix_spawn " + binary + ": " + std::strerror(spawned);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!Listening(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream text(log);
      return "versitygw exited at start; log: " +
             std::string(std::istreambuf_iterator<char>(text), {});
    }
    if (std::chrono::steady_clock::now() > deadline) return "versitygw did not listen on " + listen;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a port: no event
  }
  return "";
}

void VersityServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string VersityServer::UrlWith(const std::string& access_key,
                                   const std::string& secret_key) const {
  return fmt::format("s3://{}:{}@127.0.0.1:{}?tls=false&region=us-east-1", access_key, secret_key,
                     port_);
}

}  // namespace sluice::lake::testing
