// Each subcommand registers itself on the app and runs when chosen.
#pragma once

#include <CLI/CLI.hpp>

namespace cappy::cli {

// Exit statuses shared by the subcommands (documented in the README).
constexpr int kExitOk = 0;
constexpr int kExitSomeLinesFailed = 1;  // `score`: some input lines were rejected
constexpr int kExitError = 2;            // bad model, bad arguments, unreadable input

void add_score_command(CLI::App& app, int& exit_code);
void add_rerank_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_convert_command(CLI::App& app, int& exit_code);
void add_tokenize_command(CLI::App& app, int& exit_code);
void add_plan_command(CLI::App& app, int& exit_code);  // hidden: GPU plan JSON
void add_serve_command(CLI::App& app, int& exit_code);  // native/server/
void add_eval_command(CLI::App& app, int& exit_code);
void add_devices_command(CLI::App& app, int& exit_code);

}  // namespace cappy::cli
