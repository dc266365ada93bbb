// `sluice users create|list|delete|reset-password`: the web server's users.
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "metadb/metadb.h"
#include "server/server.h"

namespace sluice::cli {
namespace {

struct UserArgs {
  std::string username;
  std::string role;
  std::string password;
  bool password_stdin = false;
  bool random_password = false;
};

Result<std::unique_ptr<metadb::MetaStore>> OpenStore(const Config& config) {
  SLUICE_ASSIGN_OR_RETURN(Url url, Url::Parse(config.metadb_url));
  SLUICE_ASSIGN_OR_RETURN(auto store, metadb::OpenMetaStore(url));
  SLUICE_TRY(store->Migrate());
  return store;
}

// The password from --password, --password-stdin (first line) or
// --use-random-password (printed once); never echoed otherwise.
Result<std::string> ReadPassword(const UserArgs& args, bool* generated) {
  int sources = !args.password.empty() + args.password_stdin + args.random_password;
  if (sources != 1) {
    return Error::InvalidArgument(
        "give exactly one of --password, --password-stdin or --use-random-password");
  }
  *generated = args.random_password;
  if (args.random_password) return server::GeneratePassword();
  if (!args.password_stdin) return args.password;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

Status CreateUser(CommandContext& context, const UserArgs& args) {
  auto role = server::ParseRole(args.role);
  if (!role) {
    return Error::InvalidArgument("unknown role '{}': use Admin, Op, User or Viewer", args.role);
  }
  bool generated = false;
  SLUICE_ASSIGN_OR_RETURN(std::string password, ReadPassword(args, &generated));
  RegisterSecret(password);
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_TRY(server::CreateUser(*store, args.username, *role, password));
  if (generated) {
    fmt::print("User '{}' ({}) created; password (shown once): {}\n", args.username,
               server::RoleName(*role), password);
  } else {
    fmt::print("User '{}' ({}) created\n", args.username, server::RoleName(*role));
  }
  return OkStatus();
}

Status ResetPassword(CommandContext& context, const UserArgs& args) {
  bool generated = false;
  SLUICE_ASSIGN_OR_RETURN(std::string password, ReadPassword(args, &generated));
  RegisterSecret(password);
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_TRY(server::ResetPassword(*store, args.username, password));
  if (generated) {
    fmt::print("Password of '{}' reset (shown once): {}\n", args.username, password);
  } else {
    fmt::print("Password of '{}' reset; their sessions and tokens have ended\n", args.username);
  }
  return OkStatus();
}

Status ListUsers(CommandContext& context) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_ASSIGN_OR_RETURN(std::vector<metadb::UserRecord> users, store->ListUsers());
  if (context.output == OutputFormat::kJson) {
    nlohmann::json out = nlohmann::json::array();
    for (const metadb::UserRecord& user : users) {
      out.push_back({{"username", user.username},
                     {"role", user.role},
                     {"is_active", user.is_active},
                     {"created_at", FormatIsoTime(user.created_at)}});
    }
    fmt::print("{}\n", out.dump(2));
    return OkStatus();
  }
  fmt::print("{:<24} {:<8} {:<7} {}\n", "username", "role", "active", "created");
  for (const metadb::UserRecord& user : users) {
    fmt::print("{:<24} {:<8} {:<7} {}\n", user.username, user.role, user.is_active ? "yes" : "no",
               FormatIsoTime(user.created_at));
  }
  return OkStatus();
}

Status DeleteUser(CommandContext& context, const std::string& username) {
  SLUICE_ASSIGN_OR_RETURN(auto store, OpenStore(context.config));
  SLUICE_TRY(store->DeleteUser(username));
  fmt::print("User '{}' deleted\n", username);
  return OkStatus();
}

void AddPasswordOptions(CLI::App* command, UserArgs& args) {
  command->add_option("--password,-p", args.password,
                      "The password (visible to other local users: prefer --password-stdin)");
  command->add_flag("--password-stdin", args.password_stdin,
                    "Read the password from standard input");
  command->add_flag("--use-random-password", args.random_password,
                    "Generate a password and print it once");
}

}  // namespace

void AddUsersCommands(CLI::App& app, CommandContext& context) {
  CLI::App* users = app.add_subcommand("users", "Manage the web server's users and their roles");
  users->require_subcommand(1);
  auto args = std::make_shared<UserArgs>();

  CLI::App* create = users->add_subcommand("create", "Create a user");
  create->add_option("--username,-u", args->username, "Login name")->required();
  create->add_option("--role,-r", args->role, "Admin, Op, User or Viewer")->required();
  AddPasswordOptions(create, *args);
  create->callback([&context, args] { context.outcome = CreateUser(context, *args); });

  users->add_subcommand("list", "List users")->callback([&context] {
    context.outcome = ListUsers(context);
  });

  CLI::App* remove = users->add_subcommand("delete", "Delete a user and end their sessions");
  remove->add_option("--username,-u", args->username, "Login name")->required();
  remove->callback([&context, args] { context.outcome = DeleteUser(context, args->username); });

  CLI::App* reset = users->add_subcommand("reset-password", "Set a new password for a user");
  reset->add_option("--username,-u", args->username, "Login name")->required();
  AddPasswordOptions(reset, *args);
  reset->callback([&context, args] { context.outcome = ResetPassword(context, *args); });
}

}  // namespace sluice::cli
