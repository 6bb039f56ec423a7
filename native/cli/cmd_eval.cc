// cappy eval: how far one model's scores are from a reference model's (e.g. a
// q8 bundle against the f32 checkpoint) on the built-in sample set or a file.
#include "accuracy_report.h"
#include "commands.h"
#include "model_options.h"

namespace cappy::cli {

void add_eval_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "eval",
      "Compare a model's scores with a reference model's on a sample set (default: the "
      "built-in 100 instructions x 4 responses): max and mean |score difference|, top-1 "
      "agreement, Kendall tau. Prints a summary on stderr and one JSON line on stdout.");
  auto opts = std::make_shared<ModelOptions>();
  auto reference = std::make_shared<std::string>();
  auto samples = std::make_shared<std::string>();
  opts->add_to(*cmd);
  cmd->add_option("--reference", *reference, "the reference model (bundle or directory), e.g. f32")
      ->required();
  cmd->add_option("--samples", *samples,
                  "JSON Lines {\"instruction\": str, \"responses\": [str, ...]} (default: built-in)");
  cmd->callback([opts, reference, samples, &exit_code] {
    const auto set = load_eval_set(*samples);
    LoadOptions lo;
    lo.threads = opts->threads;
    const auto ref = Scorer::load(*reference, lo);
    const auto cand = opts->load();
    print_report(evaluate(*ref, *cand, set, opts->score_options()), *reference, opts->model);
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
