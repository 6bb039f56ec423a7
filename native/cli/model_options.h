// Options every model-running subcommand shares, and loading from them.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "cappy/cappy.h"

namespace cappy::cli {

struct ModelOptions {
  std::string model;
  int threads = 0;
  int batch_size = 256;  // ScoreOptions: a cap; the 8192-token budget closes batches
  std::string device = "cpu";

  void add_to(CLI::App& cmd);
  // Resolves the default model first (default_model.h): `model` is then the path loaded.
  std::unique_ptr<Scorer> load();
  ScoreOptions score_options() const;
};

}  // namespace cappy::cli
