// /health and /api/v2/monitor/health (no authentication; statuses only, no
// names, URLs or messages) and /api/v2/version.
#include <spdlog/spdlog.h>

#include "server/context.h"
#include "server/models.h"

namespace sluice::server {
namespace {

// Airflow's scheduler_health_check_threshold.
constexpr auto kSchedulerThreshold = std::chrono::seconds(30);
// Checks of the lake and warehouse reach the network: anonymous callers must
// not be able to make the server do it more often than this.
constexpr auto kCheckInterval = std::chrono::seconds(10);

class CachedCheck {
 public:
  CachedCheck(std::string name, HealthCheck check)
      : name_(std::move(name)), check_(std::move(check)) {}

  std::string Status(Clock& clock) {
    if (!check_) return "unknown";
    std::lock_guard lock(mutex_);
    auto now = clock.SteadyNow();
    if (checked_ && now - checked_at_ < kCheckInterval) return status_;
    auto result = check_();
    if (!result) spdlog::warn("health: {} is unreachable: {}", name_, result.error().ToString());
    status_ = result ? "healthy" : "unhealthy";
    checked_ = true;
    checked_at_ = now;
    return status_;
  }

 private:
  std::string name_;
  HealthCheck check_;
  std::mutex mutex_;
  bool checked_ = false;
  std::chrono::steady_clock::time_point checked_at_;
  std::string status_;
};

nlohmann::json SchedulerHealth(ServerContext& context) {
  auto schedulers = context.store.ListWorkers("scheduler");
  std::optional<TimePoint> latest;
  if (schedulers) {
    for (const metadb::WorkerRecord& scheduler : *schedulers) {
      if (!latest || scheduler.heartbeat_at > *latest) latest = scheduler.heartbeat_at;
    }
  }
  bool healthy = latest && context.clock.Now() - *latest <= kSchedulerThreshold;
  return {{"status", healthy ? "healthy" : "unhealthy"},
          {"latest_scheduler_heartbeat", TimeJson(latest)}};
}

Reply Health(ServerContext& context, CachedCheck& lake, CachedCheck& warehouse) {
  Status database = context.store.Check();
  if (!database) spdlog::warn("health: metadata store: {}", database.error().ToString());
  return JsonReply(200,
                   {{"metadatabase", {{"status", database ? "healthy" : "unhealthy"}}},
                    {"scheduler", SchedulerHealth(context)},
                    {"triggerer", {{"status", nullptr}, {"latest_triggerer_heartbeat", nullptr}}},
                    {"dag_processor", nullptr},
                    {"lake", {{"status", lake.Status(context.clock)}}},
                    {"warehouse", {{"status", warehouse.Status(context.clock)}}}});
}

}  // namespace

void AddMonitorRoutes(Router& router, ServerContext& context) {
  auto lake = std::make_shared<CachedCheck>("lake", context.options.lake_health);
  auto warehouse = std::make_shared<CachedCheck>("warehouse", context.options.warehouse_health);
  auto health = [&context, lake, warehouse](Call&) { return Health(context, *lake, *warehouse); };
  RouteDoc doc{.summary = "Health of the metadata store, scheduler, lake and warehouse",
               .tag = "Monitor",
               .response_schema = "HealthInfoResponse"};
  router.Add({"GET", "/health", Access::kPublic, health, doc});
  router.Add({"GET", "/api/v2/monitor/health", Access::kPublic, health, doc});
  router.Add(
      {"GET",
       "/api/v2/version",
       Access::kPublic,
       [](Call&) {
         return JsonReply(200, {{"version", SLUICE_VERSION}, {"git_version", nullptr}});
       },
       {.summary = "The server's version", .tag = "Version", .response_schema = "VersionInfo"}});
}

}  // namespace sluice::server
