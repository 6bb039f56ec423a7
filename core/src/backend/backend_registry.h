// Which backend runs a model: the CPU backend is built into the core; GPU
// backends that live outside it (native/vulkan) register a factory at
// startup. LoadOptions::device picks one by name ("cpu", "vulkan",
// "vulkan:N" for the N-th device, or "auto"), so the Scorer never knows which
// backend it drives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "cappy/cappy.h"

namespace cappy {

// One device a backend can run on.
struct DeviceInfo {
  std::string backend;  // "cpu", "vulkan"
  int index = 0;        // within the backend ("vulkan:1")
  std::string name;     // "NVIDIA H200", "llvmpipe (LLVM 15.0.6, 256 bits)"
  std::string type;     // "cpu", "discrete-gpu", "integrated-gpu", "virtual-gpu", "other"
  bool is_gpu = false;  // a real GPU: what "auto" prefers (lavapipe is not one)
  std::string detail;   // driver, API version, features the backend uses
};

struct BackendFactory {
  std::string name;  // the device name's backend part
  // The devices found; throws cappy::Error when the backend cannot look
  // (no loader, no driver), with a message saying so.
  std::function<std::vector<DeviceInfo>()> devices;
  // A backend on device `index` of devices(). `weights` may be closed after.
  std::function<std::unique_ptr<Backend>(const Graph&, const WeightStore&, int index,
                                         const LoadOptions&)>
      create;
};

// Adds (or replaces) a backend by name. Not thread-safe: call at startup.
void register_backend(BackendFactory factory);
bool backend_registered(const std::string& name);
// Removes a backend (tests).
void unregister_backend(const std::string& name);

// Every device of every registered backend (the CPU first). Backends that
// cannot look are listed in `problems` ("vulkan: no Vulkan driver ...").
std::vector<DeviceInfo> list_devices(std::vector<std::string>* problems = nullptr);

// The device a backend runs on when none is numbered ("vulkan"): a discrete
// GPU, then an integrated, virtual or other one, then whatever it has.
int preferred_device(const std::vector<DeviceInfo>& devices);

// The backend that options.device names. "auto": the first real GPU of a
// registered backend, else the CPU. Unknown names, a backend this build
// lacks and a device index out of range throw cappy::Error saying which.
std::unique_ptr<Backend> make_backend(const Graph& graph, const WeightStore& weights,
                                      const LoadOptions& options);

}  // namespace cappy
