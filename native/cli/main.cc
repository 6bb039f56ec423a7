// cappy: score and rerank with cross-encoder scorers from the command line,
// or serve them over HTTP.
#include <iostream>

#include "cappy/cappy.h"
#include "commands.h"
#include "device_option.h"

int main(int argc, char** argv) {
  CLI::App app{"cappy: run Cappy-style scorers (RoBERTa/BERT cross-encoders) on the CPU or a GPU (Vulkan)"};
  app.require_subcommand(1);
  int exit_code = cappy::cli::kExitOk;
  cappy::cli::add_score_command(app, exit_code);
  cappy::cli::add_rerank_command(app, exit_code);
  cappy::cli::add_bench_command(app, exit_code);
  cappy::cli::add_convert_command(app, exit_code);
  cappy::cli::add_tokenize_command(app, exit_code);
  cappy::cli::add_plan_command(app, exit_code);
  cappy::cli::add_serve_command(app, exit_code);
  cappy::cli::add_eval_command(app, exit_code);
  cappy::cli::add_devices_command(app, exit_code);
  cappy::cli::register_native_backends();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? cappy::cli::kExitOk : cappy::cli::kExitError;
  } catch (const cappy::Error& e) {
    std::cerr << "cappy: " << e.what() << "\n";
    return cappy::cli::kExitError;
  } catch (const std::exception& e) {
    std::cerr << "cappy: unexpected error: " << e.what() << "\n";
    return cappy::cli::kExitError;
  }
  return exit_code;
}
