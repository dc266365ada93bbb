// A versitygw process owned by one test, for tests that stop and restart the
// S3 server or need credentials of their own. The binary is $SLUICE_VERSITYGW,
// else $SLUICE_TOOLS/bin/versitygw, else <source>/.sluice-dev/tools/bin/versitygw
// (where scripts/bootstrap installs it).
#pragma once

#include <sys/types.h>

#include <string>

namespace sluice::lake::testing {

class VersityServer {
 public:
  VersityServer();
  ~VersityServer();
  VersityServer(const VersityServer&) = delete;
  VersityServer& operator=(const VersityServer&) = delete;

  static std::string BinaryPath();  // "" when not installed

  // Starts on a free 127.0.0.1 port with a new folder; "" or why it failed.
  // virtual_domain: also answer virtual-host style requests (bucket.<domain>).
  std::string Start(const std::string& virtual_domain = "");
  // SIGKILL: the server dies mid-request, as in a crash or power loss.
  void Kill();
  // Starts again on the same port, folder and keys.
  std::string Restart();

  std::string Url() const { return UrlWith(access_key_, secret_key_); }
  std::string UrlWith(const std::string& access_key, const std::string& secret_key) const;
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }
  int port() const { return port_; }

 private:
  std::string Launch();

  std::string folder_;
  std::string virtual_domain_;
  std::string access_key_;
  std::string secret_key_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A 127.0.0.1 port with nothing listening (bound, then released).
int FreePort();

}  // namespace sluice::lake::testing
