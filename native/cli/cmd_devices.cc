// cappy devices: what each backend of this build finds (the CPU, Vulkan
// devices), numbered as --device takes them, and which one "auto" picks.
#include <iostream>

#include "backend/backend_registry.h"
#include "commands.h"

namespace cappy::cli {

void add_devices_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "devices",
      "List the devices models can run on (--device cpu, vulkan:N) and what --device auto picks.");
  cmd->callback([&exit_code] {
    std::vector<std::string> problems;
    const std::vector<DeviceInfo> devices = list_devices(&problems);
    std::string auto_pick = "cpu";
    for (const DeviceInfo& d : devices) {
      const std::string id = d.backend == "cpu" ? "cpu" : d.backend + ":" + std::to_string(d.index);
      if (d.is_gpu && auto_pick == "cpu") auto_pick = id;
      std::cout << id << "\t" << d.type << "\t" << d.name << "\t" << d.detail << "\n";
    }
    for (const std::string& p : problems) std::cout << "# " << p << "\n";
    if (!backend_registered("vulkan"))
      std::cout << "# vulkan: this build of cappy has no Vulkan backend (built without the Vulkan "
                   "headers or glslangValidator, or with -DCAPPY_WITH_VULKAN=OFF)\n";
    std::cout << "# --device auto picks: " << auto_pick << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
