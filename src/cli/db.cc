// `sluice db migrate|check`: the metadata store's schema.
#include <filesystem>

#include "cli/commands.h"
#include "metadb/metadb.h"

namespace sluice::cli {
namespace {

Result<std::unique_ptr<metadb::MetaStore>> Open(const Config& config) {
  std::error_code ec;
  std::filesystem::create_directories(config.home, ec);
  SLUICE_ASSIGN_OR_RETURN(Url url, Url::Parse(config.metadb_url));
  return metadb::OpenMetaStore(url);
}

Status Migrate(const Config& config) {
  SLUICE_ASSIGN_OR_RETURN(auto store, Open(config));
  SLUICE_ASSIGN_OR_RETURN(int before, store->SchemaVersion());
  SLUICE_TRY(store->Migrate());
  fmt::print("{}: schema version {} -> {}\n", store->Describe(), before,
             store->LatestSchemaVersion());
  return OkStatus();
}

Status Check(const Config& config) {
  SLUICE_ASSIGN_OR_RETURN(auto store, Open(config));
  SLUICE_TRY(store->Check());
  fmt::print("{}: schema version {} is current\n", store->Describe(), store->LatestSchemaVersion());
  return OkStatus();
}

}  // namespace

void AddDbCommands(CLI::App& app, CommandContext& context) {
  CLI::App* db = app.add_subcommand("db", "The metadata store's schema");
  db->require_subcommand(1);
  db->add_subcommand("migrate", "Apply the migrations the metadata store lacks")
      ->callback([&context] { context.outcome = Migrate(context.config); });
  db->add_subcommand("check", "Fail unless the metadata store's schema is current")
      ->callback([&context] { context.outcome = Check(context.config); });
}

}  // namespace sluice::cli
