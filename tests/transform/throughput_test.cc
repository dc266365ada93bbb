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
  const auto started = std::chrono::steady_clock::now();
  Result<TransformReport> report = TransformTable(request);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(report) << report.error().message();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%zu MiB raw, %llu rows in %.2f s: %.0f MiB/s, %.0f rows/s, peak RSS %ld MiB\n",
              total >> 20, static_cast<unsigned long long>(report->rows_out), seconds,
              static_cast<double>(total >> 20) / seconds,
              static_cast<double>(report->rows_out) / seconds, usage.ru_maxrss / 1024);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::transform
