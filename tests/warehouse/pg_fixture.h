// A fresh schema (in database sluice_test, created when missing) and a fresh
// filesystem lake per test, so `ctest -j` is safe. The server is
// SLUICE_TEST_PG_URL (scripts/postgres prints one); unset, the local default
// is tried, and with CI=true an unset URL fails the test instead of skipping.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/lake.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse::testing {

// The server URL, or nullopt (with the reason in *why) when tests must skip.
std::optional<std::string> TestServerUrl(std::string* why);

// url with its database replaced: "postgresql://u@h:5432/db?x=1" -> ".../name?x=1".
std::string UrlWithDatabase(std::string_view url, std::string_view database);
// url with one more query parameter.
std::string UrlWithParameter(std::string_view url, std::string_view key, std::string_view value);

// A name unique to this process and call: "<prefix>_<pid>_<n>_<random>".
std::string UniqueName(std::string_view prefix);

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int UnusedPort();

class PgFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A second connection to the test database.
  std::unique_ptr<Warehouse> Connect();
  // Every row of schema_.table as JSON text, ordered by the primary key
  // "id", _run_id and _loaded_at included.
  std::vector<std::vector<std::string>> Snapshot(std::string_view table);
  // Dropped (CASCADE) after the test, like schema_.
  void DropAfterTest(std::string schema) { extra_schemas_.push_back(std::move(schema)); }

  std::string server_url_;  // as configured: the maintenance database
  std::string database_;    // shared by the warehouse tests
  std::string url_;         // of database_
  std::string schema_;      // this test's own
  std::vector<std::string> extra_schemas_;
  std::unique_ptr<Warehouse> warehouse_;
  std::filesystem::path lake_root_;
  std::unique_ptr<lake::ObjectStore> lake_;
};

}  // namespace sluice::warehouse::testing
