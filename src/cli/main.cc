#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{"sluice: data pipelines, scheduled and loaded"};
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
