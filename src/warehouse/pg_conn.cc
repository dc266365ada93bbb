#include "warehouse/pg_conn.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace sluice::warehouse {
namespace {

// Seconds libpq waits for a server that does not answer; a URL's own
// connect_timeout overrides it.
constexpr const char* kDefaultConnectTimeout = "10";

void DiscardNotice(void* /*arg*/, const char* /*message*/) {
  // NOTICEs ("schema already exists, skipping") are expected and not errors;
  // libpq would print them to stderr.
}

// https://www.postgresql.org/docs/current/errcodes-appendix.html
Code CodeForSqlState(std::string_view state) {
  if (state.size() != 5) return Code::kInternal;
  std::string_view cls = state.substr(0, 2);
  if (state == "57014") return Code::kCancelled;
  if (state == "42501") return Code::kPermissionDenied;
  if (state == "42P01" || state == "3F000" || state == "3D000") return Code::kNotFound;
  if (state == "42P07" || state == "42P06") return Code::kAlreadyExists;
  if (cls == "08" || state == "57P01" || state == "57P02" || state == "57P03") {
    return Code::kUnavailable;
  }
  if (cls == "28") return Code::kUnauthenticated;
  if (cls == "40") return Code::kAborted;
  if (cls == "53") return Code::kResourceExhausted;
  if (cls == "22" || cls == "23" || cls == "21" || cls == "42") return Code::kInvalidArgument;
  return Code::kInternal;
}

std::string Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value ? OneLine(value) : std::string();
}

struct ConnInfo {
  std::string description;
};

// Reads the connection options libpq will use, registers the password as a
// secret before anything can print it, and builds a printable description.
Result<ConnInfo> InspectConnInfo(const std::string& text) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &parse_error);
  if (!options) {
    std::string why = parse_error ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Error::InvalidArgument("warehouse connection '{}': {}", MaskUrlCredentials(text), why);
  }
  std::string user, host, port, dbname;
  for (PQconninfoOption* option = options; option->keyword; ++option) {
    if (!option->val) continue;
    std::string_view keyword = option->keyword;
    if (keyword == "password") RegisterSecret(option->val);
    if (keyword == "user") user = option->val;
    if (keyword == "host") host = option->val;
    if (keyword == "hostaddr" && host.empty()) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  PQconninfoFree(options);
  std::string description = "postgresql://";
  if (!user.empty()) description += user + "@";
  description += host.empty() ? "localhost" : host;
  if (!port.empty()) description += ":" + port;
  description += "/" + dbname;
  return ConnInfo{description};
}

// libpq's connection error on one line. It holds one line per attempt, and
// with sslmode=prefer (the default) the same failure comes twice.
std::string ConnectionMessage(const PGconn* conn) {
  std::vector<std::string> lines;
  std::string_view text = PQerrorMessage(conn);
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string line = OneLine(text.substr(0, end));
    if (!line.empty() && std::find(lines.begin(), lines.end(), line) == lines.end()) {
      lines.push_back(std::move(line));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return fmt::format("{}", fmt::join(lines, "; "));
}

Error ConnectFailure(PGconn* conn, const std::string& description) {
  if (const char* used = PQpass(conn)) RegisterSecret(used);  // ~/.pgpass or PGPASSWORD
  std::string why = ConnectionMessage(conn);
  if (PQconnectionNeedsPassword(conn)) {
    return Error::Unauthenticated("connect to {}: {}", description, why)
        .Hint("give the password in the URL, in PGPASSWORD or in ~/.pgpass");
  }
  if (why.find("authentication failed") != std::string::npos) {
    return Error::Unauthenticated("connect to {}: {}", description, why)
        .Hint("check the user and password of the warehouse connection (SLUICE_CONN_WAREHOUSE)");
  }
  if (why.find("does not exist") != std::string::npos) {
    return Error::NotFound("connect to {}: {}", description, why)
        .Hint("create it (createdb) or fix the database name in the URL");
  }
  return Error::Unavailable("connect to {}: {}", description, why)
      .Hint("is PostgreSQL running and reachable there?");
}

}  // namespace

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

Error ErrorFromResult(const PGresult* result, std::string_view what) {
  std::string state = Field(result, PG_DIAG_SQLSTATE);
  std::string primary = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = OneLine(PQresultErrorMessage(result));
  std::string message = fmt::format("{}: {}", what, primary);
  if (!state.empty()) message += fmt::format(" (SQLSTATE {})", state);
  if (std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    message += ": " + detail;
  }
  Code code = CodeForSqlState(state);
  bool retryable =
      code == Code::kUnavailable || code == Code::kAborted || code == Code::kResourceExhausted;
  return Error(code, std::move(message))
      .Retryable(retryable)
      .Hint("{}", Field(result, PG_DIAG_MESSAGE_HINT));
}

PgConn::PgConn(PGconn* conn, std::string description)
    : conn_(conn), description_(std::move(description)) {
  PQsetNoticeProcessor(conn_, DiscardNotice, nullptr);
  RefreshCancel();
}

PgConn::~PgConn() {
  {
    std::lock_guard lock(cancel_mutex_);
    PQfreeCancel(cancel_);
    cancel_ = nullptr;
  }
  PQfinish(conn_);
}

Result<std::unique_ptr<PgConn>> PgConn::Connect(std::string_view url_or_conninfo) {
  std::string text(url_or_conninfo);
  SLUICE_ASSIGN_OR_RETURN(ConnInfo info, InspectConnInfo(text));
  // Options before "dbname" are defaults: the expanded URL overrides them.
  // Clean CSV is UTF-8 whatever the database's encoding; the server converts.
  const char* keywords[] = {"connect_timeout", "fallback_application_name", "client_encoding",
                            "dbname", nullptr};
  const char* values[] = {kDefaultConnectTimeout, "sluice", "UTF8", text.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (!conn) return Error::ResourceExhausted("connect to {}: out of memory", info.description);
  if (PQstatus(conn) != CONNECTION_OK) {
    Error error = ConnectFailure(conn, info.description);
    PQfinish(conn);
    return error;
  }
  if (const char* used = PQpass(conn)) RegisterSecret(used);
  // What libpq chose, environment defaults (PGHOST, PGUSER...) included.
  std::string description =
      fmt::format("postgresql://{}@{}:{}/{}", PQuser(conn), PQhost(conn), PQport(conn), PQdb(conn));
  return std::unique_ptr<PgConn>(new PgConn(conn, std::move(description)));
}

void PgConn::RefreshCancel() {
  std::lock_guard lock(cancel_mutex_);
  PQfreeCancel(cancel_);
  cancel_ = PQgetCancel(conn_);
}

Status PgConn::EnsureConnected() {
  if (PQstatus(conn_) == CONNECTION_OK) {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) Rollback();
    return OkStatus();
  }
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return ConnectFailure(conn_, description_);
  RefreshCancel();
  return OkStatus();
}

Error PgConn::ConnectionError(std::string_view what) const {
  std::string why = ConnectionMessage(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Error::Unavailable("{}: {}: {}", what, description_, why);
  }
  return Error::Internal("{}: {}", what, why);
}

Result<PgResult> PgConn::CheckResult(PGresult* raw, std::string_view what) {
  PgResult result(raw);
  if (!result) return ConnectionError(what);
  switch (PQresultStatus(result.get())) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY:
      return result;
    default:
      break;
  }
  Error error = ErrorFromResult(result.get(), what);
  if (PQstatus(conn_) != CONNECTION_OK && error.code() != Code::kUnavailable) {
    return Error::Unavailable("{}", error.message()).Hint("{}", error.hint());
  }
  return error;
}

Result<PgResult> PgConn::Exec(std::string_view sql, std::string_view what) {
  return CheckResult(PQexec(conn_, std::string(sql).c_str()), what);
}

Result<PgResult> PgConn::ExecParams(std::string_view sql, std::span<const std::string> params,
                                    std::string_view what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& param : params) values.push_back(param.c_str());
  PGresult* raw = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, /*resultFormat=*/0);
  return CheckResult(raw, what);
}

void PgConn::Rollback() {
  if (PQstatus(conn_) != CONNECTION_OK) return;
  PQclear(PQexec(conn_, "ROLLBACK"));
}

Result<std::string> PgConn::QuoteIdentifier(std::string_view name) {
  if (name.empty() || name.find('\0') != std::string_view::npos) {
    return Error::InvalidArgument("identifier '{}' is empty or holds a NUL byte", name);
  }
  char* quoted = PQescapeIdentifier(conn_, name.data(), name.size());
  if (!quoted) {
    return Error::InvalidArgument("identifier '{}': {}", name, OneLine(PQerrorMessage(conn_)));
  }
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

void PgConn::Cancel() {
  std::lock_guard lock(cancel_mutex_);
  if (!cancel_) return;
  char error_buffer[256];
  PQcancel(cancel_, error_buffer, sizeof error_buffer);
}

}  // namespace sluice::warehouse
