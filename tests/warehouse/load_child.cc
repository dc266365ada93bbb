// A process that loads one BigTable partition, for the atomicity tests to kill.
//
//   warehouse_load_child URL LAKE_ROOT SCHEMA MANIFEST_KEY PAUSE_AFTER_BYTES
//
// With PAUSE_AFTER_BYTES > 0 the lake under it is wrapped so that, once that
// many bytes were read (the COPY is under way), it writes "P" to stdout and
// stops until killed: the test then knows the load is mid-COPY.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "warehouse/test_tables.h"
#include "warehouse/warehouse.h"

namespace sluice::warehouse::testing {
namespace {

[[noreturn]] void StopMidCopy() {
  if (::write(STDOUT_FILENO, "P", 1) != 1) std::_Exit(3);
  while (true) ::pause();
}

class PausingReader final : public lake::ObjectReader {
 public:
  PausingReader(std::unique_ptr<lake::ObjectReader> inner, std::atomic<uint64_t>& budget)
      : inner_(std::move(inner)), budget_(budget) {}
  Result<size_t> Read(char* buffer, size_t capacity) override {
    if (budget_.load() == 0) StopMidCopy();
    SLUICE_ASSIGN_OR_RETURN(size_t n, inner_->Read(buffer, capacity));
    uint64_t left = budget_.load();
    budget_.store(left > n ? left - n : 0);
    return n;
  }
  uint64_t size() const override { return inner_->size(); }

 private:
  std::unique_ptr<lake::ObjectReader> inner_;
  std::atomic<uint64_t>& budget_;
};

// The real filesystem store with reads of CSV parts that stop after a budget.
class PausingStore final : public lake::ObjectStore {
 public:
  PausingStore(std::unique_ptr<lake::ObjectStore> inner, uint64_t budget)
      : inner_(std::move(inner)), budget_(budget) {}
  Result<std::unique_ptr<lake::ObjectWriter>> Create(std::string_view key) override {
    return inner_->Create(key);
  }
  Result<std::unique_ptr<lake::ObjectReader>> Open(std::string_view key) override {
    SLUICE_ASSIGN_OR_RETURN(auto reader, inner_->Open(key));
    if (!key.ends_with(".csv")) return reader;
    return std::unique_ptr<lake::ObjectReader>(new PausingReader(std::move(reader), budget_));
  }
  Result<std::unique_ptr<lake::ObjectReader>> OpenRange(std::string_view key, uint64_t offset,
                                                        uint64_t length) override {
    return inner_->OpenRange(key, offset, length);
  }
  Result<lake::ObjectInfo> Head(std::string_view key) override { return inner_->Head(key); }
  Result<std::vector<lake::ObjectInfo>> List(std::string_view prefix) override {
    return inner_->List(prefix);
  }
  Status Delete(std::string_view key) override { return inner_->Delete(key); }
  std::string Describe() const override { return inner_->Describe(); }

 private:
  std::unique_ptr<lake::ObjectStore> inner_;
  std::atomic<uint64_t> budget_;
};

int Run(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s URL LAKE_ROOT SCHEMA MANIFEST_KEY PAUSE_AFTER_BYTES\n",
                 argv[0]);
    return 2;
  }
  auto store = lake::OpenObjectStore(std::string("file://") + argv[2]);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().ToString().c_str());
    return 1;
  }
  uint64_t pause_after = std::strtoull(argv[5], nullptr, 10);
  std::unique_ptr<lake::ObjectStore> lake = std::move(*store);
  if (pause_after > 0) lake = std::make_unique<PausingStore>(std::move(lake), pause_after);
  auto warehouse = OpenWarehouse(argv[1]);
  if (!warehouse) {
    std::fprintf(stderr, "%s\n", warehouse.error().ToString().c_str());
    return 1;
  }
  TableSpec table = BigTable();
  auto report = (*warehouse)
                    ->LoadTable(LoadRequest{.store = *lake,
                                            .schema = argv[3],
                                            .table = table,
                                            .manifest_key = argv[4],
                                            .part_keys = {},
                                            .run_id = "child",
                                            .manifest_text = std::nullopt});
  if (!report) {
    std::fprintf(stderr, "%s\n", report.error().ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace sluice::warehouse::testing

int main(int argc, char** argv) { return sluice::warehouse::testing::Run(argc, argv); }
