// Puts an object of --mib MiB through the streaming writer, reads it back
// through the streaming reader, checks its SHA-256, and reports throughput
// and peak RSS growth (VmHWM after minus VmRSS before). The lake's target is a
// growth under 64 MiB for a 1 GiB object: memory must not follow object size.
//
//   lake_stream_bench --url "$SLUICE_TEST_S3_URL" --mib 1024
//   lake_stream_bench --url file:///tmp/lake-bench --mib 1024
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "lake/lake.h"

namespace {

using sluice::lake::ObjectStore;

// Kibibytes from a /proc/self/status line ("VmHWM:   123456 kB").
long StatusKib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field) + 1);
  }
  return -1;
}

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(context_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(context_); }
  void Update(const char* data, size_t size) { EVP_DigestUpdate(context_, data, size); }
  std::string Hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(context_, digest, &size);
    std::string out;
    for (unsigned int i = 0; i < size; ++i) out += fmt::format("{:02x}", digest[i]);
    return out;
  }

 private:
  EVP_MD_CTX* context_;
};

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Fail(const sluice::Error& error) {
  std::fprintf(stderr, "lake_stream_bench: %s\n", error.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  long mib = 1024;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--url") == 0) url = argv[i + 1];
    if (std::strcmp(argv[i], "--mib") == 0) mib = std::atol(argv[i + 1]);
  }
  if (url.empty() || mib <= 0) {
    std::fprintf(stderr, "usage: lake_stream_bench --url <lake URL> [--mib 1024]\n");
    return 2;
  }
  auto store = sluice::lake::OpenObjectStore(url);
  if (!store) return Fail(store.error());
  const std::string key = fmt::format("bench/lake-stream-{}.bin", ::getpid());
  std::string chunk(1u << 20, '\0');
  for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>((i * 2654435761u) >> 13);
  const long rss_before = StatusKib("VmRSS:");

  Sha256 written;
  auto start = std::chrono::steady_clock::now();
  auto writer = (*store)->Create(key);
  if (!writer) return Fail(writer.error());
  for (long i = 0; i < mib; ++i) {
    std::memcpy(chunk.data(), &i, sizeof i);  // every MiB differs
    written.Update(chunk.data(), chunk.size());
    if (auto status = (*writer)->Write(chunk); !status) return Fail(status.error());
  }
  if (auto status = (*writer)->Commit(); !status) return Fail(status.error());
  writer->reset();
  const double put_seconds = Seconds(start);

  Sha256 read;
  start = std::chrono::steady_clock::now();
  auto reader = (*store)->Open(key);
  if (!reader) return Fail(reader.error());
  uint64_t total = 0;
  std::string buffer(256u << 10, '\0');
  while (true) {
    auto n = (*reader)->Read(buffer.data(), buffer.size());
    if (!n) return Fail(n.error());
    if (*n == 0) break;
    read.Update(buffer.data(), *n);
    total += *n;
  }
  reader->reset();
  const double get_seconds = Seconds(start);
  const long peak = StatusKib("VmHWM:");
  (void)(*store)->Delete(key);

  const bool same = written.Hex() == read.Hex() && total == static_cast<uint64_t>(mib) << 20;
  const double growth_mib = static_cast<double>(peak - rss_before) / 1024.0;
  std::printf("lake %s: %ld MiB\n", (*store)->Describe().c_str(), mib);
  std::printf("  put  %.2f s  %.0f MiB/s\n", put_seconds, static_cast<double>(mib) / put_seconds);
  std::printf("  get  %.2f s  %.0f MiB/s  (sha256 %s)\n", get_seconds,
              static_cast<double>(mib) / get_seconds, same ? "matches" : "DIFFERS");
  std::printf("  rss  before %.1f MiB, peak %.1f MiB, growth %.1f MiB (target < 64 MiB: %s)\n",
              static_cast<double>(rss_before) / 1024.0, static_cast<double>(peak) / 1024.0,
              growth_mib, growth_mib < 64 ? "met" : "MISSED");
  return same && growth_mib < 64 ? 0 : 1;
}
