// The process metrics every Prometheus client library exports under the same
// names, so dashboards written for any of them work: read from /proc/self.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/metrics.h"

namespace sluice {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fields of /proc/self/stat after "(comm)", numbered as proc(5) numbers
// them: fields[0] is field 3 (state). comm may hold spaces and parentheses,
// hence the last ')'.
std::vector<std::string> StatFields(const std::string& stat) {
  std::vector<std::string> fields;
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream in(stat.substr(close + 1));
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

double Field(const std::vector<std::string>& fields, int proc_number) {
  size_t index = static_cast<size_t>(proc_number - 3);
  return index < fields.size() ? std::strtod(fields[index].c_str(), nullptr) : 0;
}

// Seconds since the epoch at boot: "btime" in /proc/stat.
double BootTime() {
  std::istringstream in(ReadFile("/proc/stat"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::strtod(line.c_str() + 6, nullptr);
  }
  return 0;
}

}  // namespace

void CollectProcessMetrics(MetricsRegistry& registry) {
  std::vector<std::string> fields = StatFields(ReadFile("/proc/self/stat"));
  if (fields.size() < 22) return;
  double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double page_bytes = static_cast<double>(::sysconf(_SC_PAGESIZE));
  registry
      .GetCounter("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.")
      .Increment((Field(fields, 14) + Field(fields, 15)) / ticks);
  registry.GetGauge("process_resident_memory_bytes", "Resident memory size in bytes.")
      .Set(Field(fields, 24) * page_bytes);
  registry.GetGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
      .Set(Field(fields, 23));
  registry.GetGauge("process_threads", "Number of OS threads in the process.")
      .Set(Field(fields, 20));
  registry
      .GetGauge("process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.")
      .Set(BootTime() + Field(fields, 22) / ticks);
  std::error_code ec;
  double open_fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++open_fds;
  }
  registry.GetGauge("process_open_fds", "Number of open file descriptors.").Set(open_fds);
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    registry.GetGauge("process_max_fds", "Maximum number of open file descriptors.")
        .Set(static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace sluice
