// Users, browser sessions and failed logins: the web server's tables.
#include <chrono>

#include "metadb/sql_store.h"

namespace sluice::metadb {
namespace {

constexpr std::string_view kUserColumns =
    "username, role, password_hash, is_active, created_at, updated_at";

UserRecord ReadUser(const SqlRow& row) {
  UserRecord user;
  user.username = row.Text(0);
  user.role = row.Text(1);
  user.password_hash = row.Text(2);
  user.is_active = row.Bool(3);
  user.created_at = row.Time(4);
  user.updated_at = row.Time(5);
  return user;
}

Status ValidateUser(const UserRecord& user) {
  if (user.username.empty() || user.role.empty() || user.password_hash.empty()) {
    return Error::InvalidArgument("user '{}': username, role and password hash must not be empty",
                                  user.username);
  }
  return OkStatus();
}

}  // namespace

Status SqlMetaStore::CreateUser(const UserRecord& user) {
  SLUICE_TRY(ValidateUser(user));
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    int64_t existing = 0;
    SLUICE_TRY(Exec(
        connection, "SELECT count(*) FROM app_user WHERE username = $1",
        [&existing](const SqlRow& row) {
          existing = row.Int(0);
          return OkStatus();
        },
        user.username));
    if (existing != 0) {
      return Error::AlreadyExists("{}: user '{}' already exists", description_, user.username);
    }
    SLUICE_TRY(Exec(connection,
                    "INSERT INTO app_user (username, role, password_hash, is_active, created_at,"
                    " updated_at) VALUES ($1, $2, $3, $4, $5, $5)",
                    {}, user.username, user.role, user.password_hash, user.is_active, now));
    return OkStatus();
  });
}

Result<UserRecord> SqlMetaStore::GetUser(std::string_view username) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<UserRecord> {
    std::optional<UserRecord> user;
    SLUICE_TRY(Exec(
        connection, fmt::format("SELECT {} FROM app_user WHERE username = $1", kUserColumns),
        [&user](const SqlRow& row) {
          user = ReadUser(row);
          return OkStatus();
        },
        username));
    if (!user) return Error::NotFound("{}: no user '{}'", description_, username);
    return std::move(*user);
  });
}

Result<std::vector<UserRecord>> SqlMetaStore::ListUsers() {
  return InTransaction(
      TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::vector<UserRecord>> {
        std::vector<UserRecord> users;
        SLUICE_TRY(Exec(connection,
                        fmt::format("SELECT {} FROM app_user ORDER BY username", kUserColumns),
                        [&users](const SqlRow& row) {
                          users.push_back(ReadUser(row));
                          return OkStatus();
                        }));
        return users;
      });
}

Status SqlMetaStore::UpdateUser(const UserRecord& user) {
  SLUICE_TRY(ValidateUser(user));
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    std::optional<UserRecord> before;
    SLUICE_TRY(Exec(
        connection, fmt::format("SELECT {} FROM app_user WHERE username = $1", kUserColumns),
        [&before](const SqlRow& row) {
          before = ReadUser(row);
          return OkStatus();
        },
        user.username));
    if (!before) return Error::NotFound("{}: no user '{}'", description_, user.username);
    SLUICE_TRY(Exec(connection,
                    "UPDATE app_user SET role = $1, password_hash = $2, is_active = $3,"
                    " updated_at = $4 WHERE username = $5",
                    {}, user.role, user.password_hash, user.is_active, now, user.username));
    if (before->password_hash != user.password_hash || !user.is_active) {
      SLUICE_TRY(
          Exec(connection, "DELETE FROM user_session WHERE username = $1", {}, user.username));
    }
    return OkStatus();
  });
}

Status SqlMetaStore::DeleteUser(std::string_view username) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(Exec(connection, "DELETE FROM user_session WHERE username = $1", {}, username));
    SLUICE_ASSIGN_OR_RETURN(
        int64_t deleted,
        Exec(connection, "DELETE FROM app_user WHERE username = $1", {}, username));
    if (deleted == 0) return Error::NotFound("{}: no user '{}'", description_, username);
    return OkStatus();
  });
}

Status SqlMetaStore::CreateSession(const SessionRecord& session) {
  if (session.id_hash.empty() || session.csrf_token.empty()) {
    return Error::InvalidArgument("create session: id hash and CSRF token must not be empty");
  }
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    int64_t users = 0;
    SLUICE_TRY(Exec(
        connection, "SELECT count(*) FROM app_user WHERE username = $1",
        [&users](const SqlRow& row) {
          users = row.Int(0);
          return OkStatus();
        },
        session.username));
    if (users == 0) {
      return Error::NotFound("{}: create session: no user '{}'", description_, session.username);
    }
    SLUICE_TRY(Exec(connection, "DELETE FROM user_session WHERE expires_at <= $1", {}, now));
    SLUICE_TRY(Exec(connection,
                    "INSERT INTO user_session (id_hash, username, csrf_token, created_at,"
                    " expires_at) VALUES ($1, $2, $3, $4, $5)",
                    {}, session.id_hash, session.username, session.csrf_token, now,
                    session.expires_at));
    return OkStatus();
  });
}

Result<SessionRecord> SqlMetaStore::GetSession(std::string_view id_hash) {
  TimePoint now = clock_.Now();
  auto found = InTransaction(
      TxnKind::kRead, [&](SqlConnection& connection) -> Result<std::optional<SessionRecord>> {
        std::optional<SessionRecord> session;
        SLUICE_TRY(Exec(
            connection,
            "SELECT id_hash, username, csrf_token, created_at, expires_at"
            " FROM user_session WHERE id_hash = $1",
            [&session](const SqlRow& row) {
              session = SessionRecord{.id_hash = row.Text(0),
                                      .username = row.Text(1),
                                      .csrf_token = row.Text(2),
                                      .created_at = row.Time(3),
                                      .expires_at = row.Time(4)};
              return OkStatus();
            },
            id_hash));
        return session;
      });
  if (!found) return std::move(found).error();
  if (!*found) return Error::NotFound("{}: no such session", description_);
  if ((*found)->expires_at <= now) {
    SLUICE_TRY(DeleteSession(id_hash));
    return Error::NotFound("{}: the session has expired", description_);
  }
  return std::move(**found);
}

Status SqlMetaStore::DeleteSession(std::string_view id_hash) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(Exec(connection, "DELETE FROM user_session WHERE id_hash = $1", {}, id_hash));
    return OkStatus();
  });
}

Status SqlMetaStore::RecordLoginFailure(std::string_view key) {
  TimePoint now = clock_.Now();
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(Exec(connection, "DELETE FROM login_failure WHERE failed_at < $1", {},
                    now - std::chrono::hours(24)));
    SLUICE_TRY(Exec(connection, "INSERT INTO login_failure (key, failed_at) VALUES ($1, $2)", {},
                    key, now));
    return OkStatus();
  });
}

Result<int> SqlMetaStore::CountLoginFailures(std::string_view key, TimePoint since) {
  return InTransaction(TxnKind::kRead, [&](SqlConnection& connection) -> Result<int> {
    int64_t count = 0;
    SLUICE_TRY(Exec(
        connection, "SELECT count(*) FROM login_failure WHERE key = $1 AND failed_at >= $2",
        [&count](const SqlRow& row) {
          count = row.Int(0);
          return OkStatus();
        },
        key, since));
    return static_cast<int>(count);
  });
}

Status SqlMetaStore::ClearLoginFailures(std::string_view key) {
  return InTransaction(TxnKind::kWrite, [&](SqlConnection& connection) -> Status {
    SLUICE_TRY(Exec(connection, "DELETE FROM login_failure WHERE key = $1", {}, key));
    return OkStatus();
  });
}

}  // namespace sluice::metadb
