// `sluice dev ...`: tools for local development and tests.
#include "cli/commands.h"
#include "devdata/devdata.h"

namespace sluice::cli {

void AddDevCommands(CLI::App& app, CommandContext& context) {
  CLI::App* dev = app.add_subcommand("dev", "Tools for local development: generated source data");
  dev->require_subcommand(1);

  auto* generate = dev->add_subcommand(
      "generate", "Write jsonplaceholder-shaped data (json-server's db.json, or static pages)");
  struct Options {
    int64_t scale = 1;
    std::string out;
    std::string pages_folder;
    int64_t page_size = 1000;
  };
  auto options = std::make_shared<Options>();
  generate->add_option("--scale", options->scale, "Multiplies every resource (1: 10 users ... 5000 photos)")
      ->check(CLI::Range(int64_t{1}, int64_t{100000}));
  generate->add_option("--out", options->out, "Write one db.json file here (json-server's format)");
  generate->add_option("--pages", options->pages_folder,
                       "Write <folder>/<resource>/<page>.json instead, for a static server");
  generate->add_option("--page-size", options->page_size, "Records per page with --pages")
      ->check(CLI::Range(int64_t{1}, int64_t{10000000}));
  generate->callback([&context, options] {
    const auto& [scale, out, pages_folder, page_size] = *options;
    if (out.empty() == pages_folder.empty()) {
      context.outcome = Error::InvalidArgument("dev generate: give exactly one of --out or --pages");
      return;
    }
    if (!out.empty()) {
      context.outcome = devdata::WriteDatabase(out, scale);
      if (context.outcome) {
        devdata::ResourceCounts counts = devdata::CountsAtScale(scale);
        fmt::print("wrote {}: {} users, {} posts, {} comments, {} albums, {} photos, {} todos\n",
                   out, counts.users, counts.posts, counts.comments, counts.albums, counts.photos,
                   counts.todos);
      }
      return;
    }
    auto files = devdata::WritePages(pages_folder, scale, page_size);
    if (!files) {
      context.outcome = std::move(files).error();
      return;
    }
    fmt::print("wrote {} pages of up to {} records under {}\n", *files, page_size, pages_folder);
  });
}

}  // namespace sluice::cli
