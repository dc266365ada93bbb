// Private to warehouse: the PostgreSQL implementation of Warehouse.
#pragma once

#include <memory>

#include "warehouse/pg_conn.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse {

class PgWarehouse final : public Warehouse {
 public:
  explicit PgWarehouse(std::unique_ptr<PgConn> conn);

  Status Ping() override;
  Status EnsureTables(std::string_view schema, std::span<const TableSpec> tables) override;
  Result<LoadReport> LoadTable(const LoadRequest& request) override;
  Result<int64_t> CountRows(std::string_view schema, std::string_view table) override;
  Status Execute(std::string_view sql) override;
  Result<std::vector<std::vector<std::string>>> Query(std::string_view sql,
                                                      std::span<const std::string> params) override;
  void Cancel() override;
  std::string Describe() const override;

 private:
  // Everything between BEGIN and COMMIT; the caller rolls back on error.
  Result<LoadReport> LoadInTransaction(const LoadRequest& request);

  std::unique_ptr<PgConn> conn_;
};

}  // namespace sluice::warehouse
