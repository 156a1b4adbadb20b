// The composition root's entry point; everything else lives in syndicated_daemon (tests link it).
#include <exception>
#include <iostream>

#include "daemon/cli.hpp"

int main(int argc, char** argv) {
  try {
    return syndicated::daemon::run_cli(argc, argv, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "syndicated: fatal: " << e.what() << "\n";
    return 1;
  }
}
