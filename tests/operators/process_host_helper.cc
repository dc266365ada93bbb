// A process host whose children exec the program their request names: the
// host's plumbing (fork, process groups, pipes, exit statuses) under test
// with ordinary programs.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "operators/process.h"

int main() {
  return sluice::operators::ServeProcessHost(3, [](std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::perror(args.empty() ? "exec" : args[0].c_str());
    return 127;
  });
}
