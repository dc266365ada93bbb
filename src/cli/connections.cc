// `sluice connections list|get|test`: every connection id known to the
// configuration, the environment and the pipelines, where its value comes
// from, its URL with secrets masked, and whether it can be reached.
#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "cli/commands.h"
#include "cli/dag_lookup.h"
#include "lake/lake.h"
#include "source/source.h"
#include "warehouse/warehouse.h"

extern char** environ;

namespace sluice::cli {
namespace {

// One connection id and the first pipeline that uses it (for its defaults
// and, when it is a lake, its bucket).
struct KnownConnection {
  std::string id;
  std::optional<Pipeline> pipeline;
};

struct ConnectionRow {
  std::string id;
  Result<ResolvedConnection> resolved = Error::Internal("not resolved");
  Status reachable;  // set by `test`
  double seconds = 0;
  std::string detail;
};

std::vector<std::string> ConnectionIdsOf(const Pipeline& pipeline) {
  std::vector<std::string> ids;
  for (const auto& [id, url] : pipeline.connections) ids.push_back(id);
  if (!pipeline.source.connection.empty()) ids.push_back(pipeline.source.connection);
  ids.push_back(pipeline.lake.connection);
  ids.push_back(pipeline.warehouse.connection);
  for (const TaskSpec& task : pipeline.tasks) {
    if (!task.connection.empty()) ids.push_back(task.connection);
  }
  return ids;
}

// The ids named by SLUICE_CONN_<ID> and SLUICE_CONN_<ID>_FILE, lower case.
std::vector<std::string> EnvironmentConnectionIds() {
  static constexpr std::string_view kPrefix = "SLUICE_CONN_";
  std::vector<std::string> ids;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq == std::string_view::npos || !text.starts_with(kPrefix)) continue;
    std::string_view name = text.substr(kPrefix.size(), eq - kPrefix.size());
    if (name.ends_with("_FILE")) name.remove_suffix(5);
    if (name.empty()) continue;
    std::string id(name);
    std::transform(id.begin(), id.end(), id.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    ids.push_back(std::move(id));
  }
  return ids;
}

std::vector<KnownConnection> KnownConnections(const Config& config) {
  std::vector<KnownConnection> known;
  std::set<std::string> env_names;  // SLUICE_CONN_<ID> of every id so far
  auto add = [&](const std::string& id, const Pipeline* pipeline) {
    if (!env_names.insert(ConnectionEnvName(id)).second) return;
    known.push_back({id, pipeline ? std::optional<Pipeline>(*pipeline) : std::nullopt});
  };
  // A missing pipelines folder leaves the other sources to list.
  if (auto directory = LoadDags(config)) {
    for (const Pipeline& pipeline : directory->pipelines) {
      for (const std::string& id : ConnectionIdsOf(pipeline)) add(id, &pipeline);
    }
  }
  for (const auto& [id, url] : config.connections) add(id, nullptr);
  for (const std::string& id : config.secrets.connections) add(id, nullptr);
  for (const std::string& id : EnvironmentConnectionIds()) add(id, nullptr);
  add("lake", nullptr);
  add("warehouse", nullptr);
  std::sort(known.begin(), known.end(),
            [](const KnownConnection& a, const KnownConnection& b) { return a.id < b.id; });
  return known;
}

std::string MaskedUrl(const Url& url) { return MaskSecrets(url.ToString()); }

nlohmann::json RowJson(const ConnectionRow& row, bool tested) {
  nlohmann::json out = {{"id", row.id}};
  if (row.resolved) {
    out["source"] = SourceName(row.resolved->source);
    out["origin"] = MaskSecrets(row.resolved->origin);
    out["url"] = MaskedUrl(row.resolved->url);
  } else {
    out["error"] = row.resolved.error().ToString();
  }
  if (tested) {
    out["ok"] = row.resolved && row.reachable.has_value();
    if (row.resolved && !row.reachable) out["error"] = row.reachable.error().ToString();
    out["seconds"] = row.seconds;
    if (!row.detail.empty()) out["detail"] = row.detail;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reaching a connection, by scheme

class DiscardBody final : public source::BodySink {
 public:
  Status OnResponse(const source::HttpResponse&) override { return {}; }
  Status OnBody(std::string_view) override { return {}; }
};

Result<std::string> TestHttp(const Url& url) {
  source::HttpClientOptions options;
  options.connect_timeout = std::chrono::seconds(5);
  options.total_timeout = std::chrono::seconds(15);
  SLUICE_ASSIGN_OR_RETURN(auto client, source::MakeCurlHttpClient(options));
  source::HttpRequest request;
  Url without_credentials = url;
  without_credentials.user.clear();
  without_credentials.password.clear();
  without_credentials.has_password = false;
  request.url = without_credentials.ToString();
  request.user = url.user;
  request.password = url.password;
  DiscardBody sink;
  SLUICE_ASSIGN_OR_RETURN(source::HttpResponse response, client->Get(request, sink));
  if (response.status == 401 || response.status == 403) {
    return Error::PermissionDenied("GET {}: HTTP {}: credentials rejected", request.url,
                                   response.status);
  }
  if (response.status >= 500) {
    return Error::Unavailable("GET {}: HTTP {} {}", request.url, response.status, response.reason);
  }
  return fmt::format("HTTP {}", response.status);
}

Result<std::string> TestLake(const Config& config, const Url& url, const Pipeline* pipeline) {
  lake::LakeOptions options;
  if (config.aws_access_key_id) options.access_key = *config.aws_access_key_id;
  if (config.aws_secret_access_key) options.secret_key = *config.aws_secret_access_key;
  options.max_attempts = 1;
  SLUICE_ASSIGN_OR_RETURN(auto store, lake::OpenObjectStore(url, options));
  // A key that is not there: an answer of "not found" proves the store is
  // reachable and the credentials accepted, without listing a whole bucket.
  std::string bucket = pipeline ? pipeline->lake.raw_bucket : "raw";
  auto head = store->Head(bucket + "/.sluice-connection-test");
  if (!head && head.error().code() != Code::kNotFound) return std::move(head).error();
  return store->Describe();
}

Result<std::string> TestWarehouse(const Url& url) {
  SLUICE_ASSIGN_OR_RETURN(auto warehouse, warehouse::OpenWarehouse(url));
  SLUICE_TRY(warehouse->Ping());
  SLUICE_ASSIGN_OR_RETURN(auto rows, warehouse->Query("SELECT 1"));
  if (rows.size() != 1 || rows[0].size() != 1 || rows[0][0] != "1") {
    return Error::Internal("{}: SELECT 1 did not return 1", warehouse->Describe());
  }
  return warehouse->Describe();
}

Result<std::string> TestConnection(const Config& config, const Url& url, const Pipeline* pipeline) {
  const std::string& scheme = url.scheme;
  if (scheme == "http" || scheme == "https") return TestHttp(url);
  if (scheme == "s3" || scheme == "file") return TestLake(config, url, pipeline);
  if (scheme == "postgresql" || scheme == "postgres") return TestWarehouse(url);
  return Error::Unimplemented("no test for scheme '{}' (known: http, https, s3, file, postgresql)",
                              scheme);
}

// ---------------------------------------------------------------------------
// Commands

std::vector<ConnectionRow> Resolve(const Config& config,
                                   const std::vector<KnownConnection>& known) {
  std::vector<ConnectionRow> rows;
  for (const KnownConnection& connection : known) {
    ConnectionRow row;
    row.id = connection.id;
    row.resolved = ResolveConnectionWithSource(
        config, connection.pipeline ? &*connection.pipeline : nullptr, connection.id);
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<KnownConnection> FindKnown(const Config& config, const std::string& id) {
  for (KnownConnection& connection : KnownConnections(config)) {
    if (connection.id == id) return std::move(connection);
  }
  // Not named anywhere, but it may still resolve (a secrets command serving every id).
  return KnownConnection{id, std::nullopt};
}

Status Summarize(const std::vector<ConnectionRow>& rows, bool tested) {
  size_t failed = 0;
  for (const ConnectionRow& row : rows) {
    if (!row.resolved || (tested && !row.reachable)) ++failed;
  }
  if (failed == 0) return {};
  return Error::Unavailable("{} of {} connection(s) {}", failed, rows.size(),
                            tested ? "failed the test" : "could not be resolved");
}

Status PrintRows(CommandContext& context, const std::vector<ConnectionRow>& rows, bool tested) {
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = nlohmann::json::array();
    for (const ConnectionRow& row : rows) out.push_back(RowJson(row, tested));
    fmt::print("{}\n", nlohmann::json{{"connections", out}}.dump(2));
    return Summarize(rows, tested);
  }
  if (!tested) fmt::print("{:<20} {:<9} {:<56} {}\n", "connection", "source", "url", "origin");
  for (const ConnectionRow& row : rows) {
    if (!row.resolved && !tested) {
      fmt::print("{:<20} {:<9} {}\n", row.id, "error", row.resolved.error().ToString());
    } else if (!row.resolved) {
      fmt::print("{:<20} error  {:>7}  {}\n", row.id, "-", row.resolved.error().ToString());
    } else if (!tested) {
      fmt::print("{:<20} {:<9} {:<56} {}\n", row.id, SourceName(row.resolved->source),
                 MaskedUrl(row.resolved->url), MaskSecrets(row.resolved->origin));
    } else if (row.reachable) {
      std::string url = MaskedUrl(row.resolved->url);
      std::string detail = row.detail == url ? "" : "  " + MaskSecrets(row.detail);
      fmt::print("{:<20} ok     {:6.2f}s  {}{}\n", row.id, row.seconds, url, detail);
    } else {
      fmt::print("{:<20} error  {:6.2f}s  {}\n", row.id, row.seconds,
                 row.reachable.error().ToString());
    }
  }
  return Summarize(rows, tested);
}

Status ListConnections(CommandContext& context) {
  return PrintRows(context, Resolve(context.config, KnownConnections(context.config)), false);
}

Status GetConnection(CommandContext& context, const std::string& id) {
  SLUICE_ASSIGN_OR_RETURN(KnownConnection known, FindKnown(context.config, id));
  SLUICE_ASSIGN_OR_RETURN(
      ResolvedConnection resolved,
      ResolveConnectionWithSource(context.config, known.pipeline ? &*known.pipeline : nullptr, id));
  if (context.output == OutputFormat::kJson) {
    ConnectionRow row;
    row.id = id;
    row.resolved = resolved;
    fmt::print("{}\n", RowJson(row, false).dump(2));
    return {};
  }
  fmt::print("id:      {}\nsource:  {}\norigin:  {}\nurl:     {}\n", id,
             SourceName(resolved.source), MaskSecrets(resolved.origin), MaskedUrl(resolved.url));
  return {};
}

Status TestConnections(CommandContext& context, const std::string& only_id) {
  std::vector<KnownConnection> known;
  if (only_id.empty()) {
    known = KnownConnections(context.config);
  } else {
    SLUICE_ASSIGN_OR_RETURN(KnownConnection one, FindKnown(context.config, only_id));
    known.push_back(std::move(one));
  }
  std::vector<ConnectionRow> rows = Resolve(context.config, known);
  for (size_t i = 0; i < rows.size(); ++i) {
    ConnectionRow& row = rows[i];
    if (!row.resolved) continue;
    auto start = std::chrono::steady_clock::now();
    auto tested = TestConnection(context.config, row.resolved->url,
                                 known[i].pipeline ? &*known[i].pipeline : nullptr);
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (tested) {
      row.detail = std::move(*tested);
    } else {
      row.reachable = std::move(tested).error().AddContext(fmt::format("connection '{}'", row.id));
    }
  }
  return PrintRows(context, rows, true);
}

}  // namespace

void AddConnectionsCommands(CLI::App& app, CommandContext& context) {
  CLI::App* connections =
      app.add_subcommand("connections", "List, show and test connections (secrets masked)");
  connections->require_subcommand(1);
  connections
      ->add_subcommand("list", "Every known connection: where its value comes from and its URL")
      ->callback([&context] { context.outcome = ListConnections(context); });

  auto get_id = std::make_shared<std::string>();
  CLI::App* get = connections->add_subcommand("get", "Show one connection");
  get->add_option("connection_id", *get_id)->required();
  get->callback([&context, get_id] { context.outcome = GetConnection(context, *get_id); });

  auto test_id = std::make_shared<std::string>();
  CLI::App* test = connections->add_subcommand(
      "test", "Reach each connection (or one): exit status 1 when any fails");
  test->add_option("connection_id", *test_id);
  test->callback([&context, test_id] { context.outcome = TestConnections(context, *test_id); });
}

}  // namespace sluice::cli
