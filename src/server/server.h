// The web server: the REST API (modelled on Airflow 3's public /api/v2, plus
// sluice's own endpoints under /api/v2/sluice), authentication and roles,
// /health, the OpenAPI document and the browser UI compiled into the binary.
//
// The server never runs tasks: it reads and writes the metadata store (runs
// it creates are queued for the scheduler) and reads the lake and task logs.
//
// Roles, as Airflow means them: Viewer reads; User also triggers, clears,
// pauses and marks tasks; Op also manages connections and variables; Admin
// also manages users. Every route checks the role. Requests authenticate with
// a bearer token (POST /auth/token) or a browser session cookie (POST
// /api/v2/sluice/login); cookie requests that change state must also send the
// session's CSRF token in X-CSRF-Token.
//
// Thread-safety: a WebServer serves requests on its own threads; Start() and
// Stop() are called from one controlling thread. The functions on users are
// thread-safe (they only call the store).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "lake/lake.h"
#include "metadb/metadb.h"

namespace sluice::server {

enum class Role { kViewer, kUser, kOp, kAdmin };

// "Viewer", "User", "Op", "Admin".
std::string_view RoleName(Role role);
// The names above, in any case; nullopt for anything else.
std::optional<Role> ParseRole(std::string_view name);

// OK when a dependency is reachable; the error says why not (for the log only:
// /health shows no more than "healthy" or "unhealthy").
using HealthCheck = std::function<Status()>;
// The lake of a pipeline (its lake connection). A default-constructed Pipeline
// stands for the install's default lake connection ("lake").
using LakeResolver = std::function<Result<lake::ObjectStore*>(const Pipeline& pipeline)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                                    // 0: any free port (see WebServer::port())
  std::string home;                                   // $SLUICE_HOME: secret_key, logs/ (required)
  std::string dags_folder;                            // shown in import errors only
  metadb::MetaStore* metastore = nullptr;             // required; not owned, outlives the server
  Clock* clock = nullptr;                             // the system clock when null; not owned
  LakeResolver lake;                                  // lineage and lake browser; 503 when empty
  HealthCheck lake_health;                            // /health "lake"; "unknown" when empty
  HealthCheck warehouse_health;                       // /health "warehouse"; "unknown" when empty
  std::size_t max_body_bytes = std::size_t{1} << 20;  // larger request bodies: 413
  std::chrono::seconds token_lifetime{std::chrono::hours(24)};
  std::chrono::seconds session_lifetime{std::chrono::hours(12)};
  // Login rate limit: this many failures per user or per address within the
  // window answer 429 until the window has passed.
  int login_max_failures = 5;
  std::chrono::seconds login_window{std::chrono::minutes(5)};
  int threads = 8;              // request threads
  bool secure_cookies = false;  // set when a TLS proxy fronts the server
  // Served instead of the UI compiled into the binary when set (development).
  std::string ui_folder;
  // Called after a request created a run or cleared tasks, so a scheduler in
  // the same process passes at once. May be empty.
  std::function<void()> on_runs_changed;
  // GET /metrics without authentication (Prometheus scrapes without one); a
  // Viewer's token or session when false.
  bool metrics_public = true;
};

class WebServer {
 public:
  explicit WebServer(ServerOptions options);
  ~WebServer();  // stops the server when it runs
  WebServer(const WebServer&) = delete;
  WebServer& operator=(const WebServer&) = delete;

  // Reads or creates $home/secret_key (0600), binds host:port and serves on
  // background threads. kUnavailable when the address cannot be bound,
  // kInvalidArgument for incomplete options, kFailedPrecondition when the
  // store's schema is not migrated.
  Status Start();
  // Stops accepting, lets requests in flight finish, joins the threads.
  // Idempotent.
  void Stop();
  // The port bound (after Start()), useful with port 0.
  int port() const;
  // The URL people open: "http://127.0.0.1:8080".
  std::string url() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- Users ------------------------------------------------------------------

// Passwords are at least 8 characters (kInvalidArgument otherwise); they are
// stored as argon2id hashes only.
Status CreateUser(metadb::MetaStore& store, std::string_view username, Role role,
                  std::string_view password);
Status ResetPassword(metadb::MetaStore& store, std::string_view username,
                     std::string_view password);
// A fresh random password (24 characters, URL-safe): for standalone's admin.
std::string GeneratePassword();

// For `sluice standalone` on a fresh home: when no user exists yet, creates
// "admin" (role Admin) with a random password, writes the password to
// $home/standalone_admin_password.txt (mode 0600) and returns it, so the
// caller prints it once. When a user exists, returns nullopt and changes
// nothing.
Result<std::optional<std::string>> EnsureStandaloneAdmin(metadb::MetaStore& store,
                                                         const std::string& home);

// ---- Metrics without a web server ----------------------------------------------

// This process's metrics (core/metrics.h) and its memory and CPU, as
// Prometheus text. The web server's /metrics adds what it reads from the
// metadata store; this is for processes without one.
std::string RenderProcessMetrics();

// Serves GET /metrics (RenderProcessMetrics(), no authentication) and nothing
// else, for `sluice worker --metrics-port` and `sluice scheduler
// --metrics-port`. Thread-safety as WebServer.
class MetricsServer {
 public:
  MetricsServer(std::string host, int port);  // port 0: any free port
  ~MetricsServer();                           // stops the server when it runs
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // kUnavailable when the address cannot be bound.
  Status Start();
  void Stop();  // idempotent
  int port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::server
