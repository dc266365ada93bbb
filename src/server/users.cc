// Roles, users and the standalone admin.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "server/crypto.h"
#include "server/password.h"
#include "server/server.h"

namespace sluice::server {
namespace {

constexpr std::string_view kStandaloneAdmin = "admin";

Status ValidateUsername(std::string_view username) {
  if (username.empty() || username.size() > 64) {
    return Error::InvalidArgument("a username has 1 to 64 characters");
  }
  for (char c : username) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.' &&
        c != '@') {
      return Error::InvalidArgument("username '{}': use letters, digits and . _ - @ only",
                                    username);
    }
  }
  return OkStatus();
}

Status WriteOwnerOnly(const std::string& path, std::string_view text) {
  ::unlink(path.c_str());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Internal("create {}: {}", path, std::strerror(errno));
  ssize_t written = ::write(fd, text.data(), text.size());
  int saved = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size())) {
    return Error::Internal("write {}: {}", path, std::strerror(saved));
  }
  return OkStatus();
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "Viewer";
    case Role::kUser:
      return "User";
    case Role::kOp:
      return "Op";
    case Role::kAdmin:
      return "Admin";
  }
  return "Viewer";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : {Role::kViewer, Role::kUser, Role::kOp, Role::kAdmin}) {
    std::string_view known = RoleName(role);
    if (known.size() == name.size() &&
        std::equal(known.begin(), known.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return role;
    }
  }
  return std::nullopt;
}

Status CreateUser(metadb::MetaStore& store, std::string_view username, Role role,
                  std::string_view password) {
  SLUICE_TRY(ValidateUsername(username));
  SLUICE_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return store.CreateUser({.username = std::string(username),
                           .role = std::string(RoleName(role)),
                           .password_hash = std::move(hash)});
}

Status ResetPassword(metadb::MetaStore& store, std::string_view username,
                     std::string_view password) {
  SLUICE_ASSIGN_OR_RETURN(metadb::UserRecord user, store.GetUser(username));
  SLUICE_ASSIGN_OR_RETURN(user.password_hash, HashPassword(password));
  return store.UpdateUser(user);
}

std::string GeneratePassword() { return RandomToken(18); }

Result<std::optional<std::string>> EnsureStandaloneAdmin(metadb::MetaStore& store,
                                                         const std::string& home) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<metadb::UserRecord> users, store.ListUsers());
  if (!users.empty()) return std::optional<std::string>();
  std::string password = GeneratePassword();
  RegisterSecret(password);
  SLUICE_TRY(CreateUser(store, kStandaloneAdmin, Role::kAdmin, password));
  std::string path = home + "/standalone_admin_password.txt";
  if (Status written = WriteOwnerOnly(path, password + "\n"); !written) {
    (void)store.DeleteUser(kStandaloneAdmin);
    return std::move(written).error();
  }
  return std::optional<std::string>(password);
}

}  // namespace sluice::server
