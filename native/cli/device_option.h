// --device on every command that runs a model, and the GPU backends this
// build links (registered with the core at startup).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cappy::cli {

// Adds --device (cpu | vulkan | vulkan:N | auto; CAPPY_DEVICE in the
// environment) to a subcommand.
void add_device_option(CLI::App& cmd, std::string& device);

// Registers the backends compiled into this binary (Vulkan when built with
// it). main() calls it before parsing.
void register_native_backends();

}  // namespace cappy::cli
