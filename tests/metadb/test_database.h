// A fresh metadata database per test, on each backend, so `ctest -j` is safe.
//
// SQLite: a file in a new temporary folder. PostgreSQL: a database with a
// unique name on the server of SLUICE_TEST_PG_URL (default
// postgresql://postgres@127.0.0.1:5432/postgres; with CI=true the variable
// must be set), dropped WITH (FORCE) afterwards.
#pragma once

#include <memory>
#include <ostream>
#include <string>

#include "core/core.h"

namespace sluice::metadb::testing {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(Backend backend);
// For GoogleTest's messages: "Sqlite", not "4-byte object <00-00 00-00>".
inline void PrintTo(Backend backend, std::ostream* out) { *out << BackendName(backend); }

class TestDatabase {
 public:
  // kUnavailable when PostgreSQL is not reachable and CI is not set: the
  // caller skips; under CI=true every failure is an error.
  static Result<std::unique_ptr<TestDatabase>> Create(Backend backend);
  ~TestDatabase();

  const std::string& url_text() const { return url_text_; }
  Url url() const { return *Url::Parse(url_text_); }

 private:
  TestDatabase() = default;
  Backend backend_ = Backend::kSqlite;
  std::string url_text_;
  std::string folder_;         // sqlite
  std::string admin_url_;      // postgresql
  std::string database_name_;  // postgresql
};

bool RunningInCi();

}  // namespace sluice::metadb::testing
