#include "model_options.h"

#include "default_model.h"
#include "device_option.h"

namespace cappy::cli {

void ModelOptions::add_to(CLI::App& cmd) {
  cmd.add_option("--model", model, kModelOptionHelp);
  cmd.add_option("--threads", threads, "CPU threads (0 = all hardware threads)")
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--batch-size", batch_size, "most pairs per forward pass (batches also close at 8192 tokens)")
      ->check(CLI::Range(1, 4096));
  add_device_option(cmd, device);
}

std::unique_ptr<Scorer> ModelOptions::load() {
  model = resolve_model(model);
  LoadOptions o;
  o.threads = threads;
  o.device = device;
  return Scorer::load(model, o);
}

ScoreOptions ModelOptions::score_options() const {
  ScoreOptions o;
  o.batch_size = batch_size;
  return o;
}

}  // namespace cappy::cli
