#include "tools/cli/cli_main.h"

#include <cstdio>
#include <exception>
#include <iostream>

#include "base/errors.h"
#include "base/version.h"

namespace attune::cli {

void parse(CLI::App& app, int argc, char** argv) {
  app.set_version_flag("--version", std::string(app.get_name()) + " (attune) " + version());
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    throw Exit{0};
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    throw Exit{0};
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << "\n";
    throw Exit{0};
  } catch (const CLI::ParseError& e) {
    throw InputError(app.get_name() + ": " + e.what() + " (see --help)");
  }
}

}  // namespace attune::cli

int main(int argc, char** argv) {
  try {
    return attune::cli::run(argc, argv);
  } catch (const attune::cli::Exit& e) {
    return e.code;
  } catch (const attune::InputError& e) {
    std::fflush(stdout);
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
