// cappy plan (hidden): prints the GPU dispatch plan for one batch shape as
// JSON, for the WebGPU executor's tests and for looking at what the planner
// decided. Only the checkpoint's config.json is read.
#include <algorithm>
#include <iostream>
#include <string>

#include "backend/plan/plan.h"
#include "backend/plan/plan_json.h"
#include "commands.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "model/model_files.h"

namespace cappy::cli {

namespace {

struct PlanOptions {
  std::string model;
  int tokens = 0;
  int pairs = 1;
  int max_pair_tokens = 0;  // 0: as long as the other pairs allow
  std::string weights = "f32";
  bool with_wgsl = false;
};

void run_plan(const PlanOptions& o) {
  auto files = open_model_files(o.model);  // a bundle or a directory
  const ModelSpec spec =
      parse_config(std::string(files->open("config.json").text()), files->origin("config.json"));
  plan::Shape shape;
  shape.tokens = o.tokens;
  shape.pairs = o.pairs;
  shape.max_pair_tokens = o.max_pair_tokens > 0
                              ? o.max_pair_tokens
                              : std::min(o.tokens - o.pairs + 1, spec.max_positions_for_tokens());
  plan::Options options;
  options.linear_weights = o.weights == "f16"  ? plan::WeightFormat::F16
                           : o.weights == "q8" ? plan::WeightFormat::Q8_0
                                               : plan::WeightFormat::F32;
  const plan::Plan p = plan::build_plan(build_encoder_graph(spec), shape, options);
  std::cout << plan::plan_to_json(p, o.with_wgsl) << "\n";
}

}  // namespace

void add_plan_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<PlanOptions>();
  CLI::App* cmd = app.add_subcommand("plan", "print the GPU dispatch plan of a batch shape (JSON)");
  cmd->group("");  // hidden: a developer tool
  cmd->add_option("--model", opts->model, "HF checkpoint directory (its config.json is read)")
      ->required();
  cmd->add_option("--tokens", opts->tokens, "tokens in the packed batch")->required()->check(CLI::PositiveNumber);
  cmd->add_option("--pairs", opts->pairs, "pairs in the batch")->check(CLI::PositiveNumber);
  cmd->add_option("--max-pair-tokens", opts->max_pair_tokens,
                  "tokens of the longest pair (default: as many as the other pairs leave)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--weights", opts->weights, "linear weights on the device")
      ->check(CLI::IsMember({"f32", "f16", "q8"}));
  cmd->add_flag("--with-wgsl", opts->with_wgsl, "include each used kernel's WGSL source");
  cmd->callback([opts, &exit_code] {
    run_plan(*opts);
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
