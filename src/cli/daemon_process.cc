#include "cli/daemon_process.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cli/store.h"

namespace sluice::cli {
namespace {

// GnuTLS reaches this binary only through libcurl's RTMP and libpq's LDAP
// support, neither of which a daemon uses, yet its library constructor loads
// its algorithms and PKCS#11 modules before main: about 1 MiB of an idle
// daemon's resident memory. Both libraries call gnutls_global_init themselves
// when they do use it, so the implicit one can be turned off; GnuTLS reads the
// variable in that constructor, hence the re-exec.
constexpr const char* kGnutlsNoImplicitInit = "GNUTLS_NO_IMPLICIT_INIT";
// Says that sluice set the variable above, so that it is taken out again and
// programs started by the daemon's tasks get the environment the user gave.
constexpr const char* kSetForThisDaemon = "SLUICE_DAEMON_NO_GNUTLS_INIT";

void ForgetTheVariables() {
  ::unsetenv(kGnutlsNoImplicitInit);
  ::unsetenv(kSetForThisDaemon);
}

}  // namespace

void PrepareLongRunningProcess(const CommandContext& context) {
  // The daemon's threads allocate little and seldom; an arena for each of them
  // would keep its own partly used heap resident for the life of the process.
  mallopt(M_ARENA_MAX, 1);
  if (std::getenv(kSetForThisDaemon) != nullptr) {
    ForgetTheVariables();
    return;
  }
  if (std::getenv(kGnutlsNoImplicitInit) != nullptr || context.argv.empty()) return;
  ::setenv(kGnutlsNoImplicitInit, "1", 1);
  ::setenv(kSetForThisDaemon, "1", 1);
  std::vector<char*> argv;
  argv.reserve(context.argv.size() + 1);
  for (const std::string& arg : context.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  // By its own path, not /proc/self/exe, so that ps and pgrep still see "sluice".
  ::execv(SelfPath().c_str(), argv.data());
  int exec_error = errno;
  ForgetTheVariables();
  spdlog::debug("re-executing with GnuTLS left uninitialised: {}; going on as started",
                std::strerror(exec_error));
}

}  // namespace sluice::cli
