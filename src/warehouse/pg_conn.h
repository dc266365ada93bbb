// Private to warehouse: one libpq connection with errors as values.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace sluice::warehouse {

struct PgResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// The Error for a failed statement: "what: primary message (SQLSTATE x): detail",
// its Code from the SQLSTATE class and PostgreSQL's hint as the hint.
Error ErrorFromResult(const PGresult* result, std::string_view what);

// libpq's text on one line, without the trailing newline and tabs it adds.
std::string OneLine(std::string_view text);

class PgConn {
 public:
  ~PgConn();
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  // url_or_conninfo goes to libpq as it is; the options before it are
  // defaults that it overrides.
  static Result<std::unique_ptr<PgConn>> Connect(std::string_view url_or_conninfo);

  PGconn* get() const { return conn_; }
  const std::string& description() const { return description_; }

  // Reconnects when the connection was lost (the server restarted).
  Status EnsureConnected();

  // Runs sql; any result other than a command or rows is an Error naming `what`.
  Result<PgResult> Exec(std::string_view sql, std::string_view what);
  Result<PgResult> ExecParams(std::string_view sql, std::span<const std::string> params,
                              std::string_view what);
  // Best effort: after an error the transaction is aborted or the connection gone.
  void Rollback();

  // "name" quoted by PQescapeIdentifier; kInvalidArgument when it cannot be.
  Result<std::string> QuoteIdentifier(std::string_view name);

  // Thread-safe.
  void Cancel();

  // An Error for the connection's last failure (libpq's message, one line).
  Error ConnectionError(std::string_view what) const;

 private:
  PgConn(PGconn* conn, std::string description);
  void RefreshCancel();
  Result<PgResult> CheckResult(PGresult* raw, std::string_view what);

  PGconn* conn_;
  std::string description_;
  std::mutex cancel_mutex_;
  PGcancel* cancel_ = nullptr;
};

}  // namespace sluice::warehouse
