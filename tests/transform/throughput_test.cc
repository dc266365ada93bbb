// Throughput of TransformTable on photos-shaped parts in the filesystem lake.
// Disabled by default (it measures, it does not check behaviour); run with
//   transform_test --gtest_also_run_disabled_tests --gtest_filter='*Throughput*'
// SLUICE_TRANSFORM_BENCH_MB sets the raw size (default 200).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "transform/transform.h"

namespace sluice::transform {
namespace {

// User + system CPU time of fn: wall time means little on a shared machine.
template <typename Fn>
double CpuSeconds(Fn fn) {
  auto now = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  };
  const double start = now();
  fn();
  return now() - start;
}

TEST(TransformTable, DISABLED_Throughput) {
  const char* mb_env = std::getenv("SLUICE_TRANSFORM_BENCH_MB");
  const size_t target_bytes = (mb_env ? std::strtoul(mb_env, nullptr, 10) : 200) << 20;
  char dir[] = "/tmp/sluice-transform-bench-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  Result<std::unique_ptr<lake::ObjectStore>> store = lake::OpenObjectStore(std::string("file://") + dir);
  ASSERT_TRUE(store);

  Pipeline pipeline;
  pipeline.source.name = "jsonplaceholder";
  TableSpec photos;
  photos.name = "photos";
  photos.resource = "photos";
  photos.columns = {{"id", ColumnType::kBigint, "id", true},
                    {"album_id", ColumnType::kBigint, "album_id", true},
                    {"title", ColumnType::kText, "title", false},
                    {"url", ColumnType::kText, "url", false},
                    {"thumbnail_url", ColumnType::kText, "thumbnail_url", false}};
  photos.primary_key = {"id"};

  // Parts of 20 MiB, pretty-printed as json-server sends them.
  std::vector<std::string> keys;
  size_t total = 0;
  int64_t id = 1;
  while (total < target_bytes) {
    std::string part = "[\n";
    while (part.size() < (size_t{20} << 20)) {
      part += fmt::format(
          "  {{\n    \"albumId\": {},\n    \"id\": {},\n    \"title\": \"accusamus beatae ad "
          "facilis cum similique qui sunt {}\",\n    \"url\": "
          "\"https://via.placeholder.com/600/92c952\",\n    \"thumbnailUrl\": "
          "\"https://via.placeholder.com/150/92c952\"\n  }},\n",
          id / 50 + 1, id, id);
      ++id;
    }
    part.resize(part.size() - 2);
    part += "\n]\n";
    keys.push_back(fmt::format("raw/jsonplaceholder/photos/ds=2025-03-15/run=r/part-{:05}.json",
                               keys.size()));
    ASSERT_TRUE(lake::PutString(**store, keys.back(), part));
    total += part.size();
  }
  TransformRequest request(**store, pipeline, photos);
  request.ds = "2025-03-15";
  request.run_id = "r";
  request.raw_run_id = "r";
  request.raw_part_keys = keys;
  request.records_expected = static_cast<uint64_t>(id - 1);
  // The floor: reading the same objects through the store, as `cat` would.
  const double read_cpu = CpuSeconds([&] {
    std::vector<char> buffer(1 << 20);
    for (const std::string& key : keys) {
      auto reader = (*store)->Open(key);
      ASSERT_TRUE(reader);
      while (true) {
        Result<size_t> got = (*reader)->Read(buffer.data(), buffer.size());
        ASSERT_TRUE(got);
        if (*got == 0) break;
      }
    }
  });
  Result<TransformReport> report = Error::Internal("not run");
  const double cpu = CpuSeconds([&] { report = TransformTable(request); });
  ASSERT_TRUE(report) << report.error().message();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "%zu MiB raw, %llu rows: %.2f s CPU, %.0f MiB/s, %.0f rows/s (reading alone: %.2f s CPU); "
      "peak RSS %ld MiB\n",
      total >> 20, static_cast<unsigned long long>(report->rows_out), cpu,
      static_cast<double>(total >> 20) / cpu, static_cast<double>(report->rows_out) / cpu,
      read_cpu, usage.ru_maxrss / 1024);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::transform
