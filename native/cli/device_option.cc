#include "device_option.h"

#include <regex>

#if CAPPY_WITH_VULKAN
#include "vulkan_backend.h"
#endif

namespace cappy::cli {

void add_device_option(CLI::App& cmd, std::string& device) {
  cmd.add_option("--device", device,
                 "where the model runs: cpu, vulkan (the best Vulkan device), vulkan:N (as "
                 "`cappy devices` numbers them) or auto (a real GPU if there is one, else cpu)")
      ->envname("CAPPY_DEVICE")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& s) -> std::string {
            static const std::regex ok("cpu|auto|vulkan(:[0-9]+)?|cpu:0");
            return std::regex_match(s, ok) ? "" : "expected cpu, vulkan, vulkan:N or auto";
          },
          "DEVICE"));
}

void register_native_backends() {
#if CAPPY_WITH_VULKAN
  vulkan::register_vulkan_backend();
#endif
}

}  // namespace cappy::cli
