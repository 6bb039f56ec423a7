#include "backend/backend_registry.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include "backend/cpu/f32_linear.h"

namespace cappy {

namespace {

// Backends this project has, built or not: naming one that this build left
// out gets a message saying so rather than "unknown device".
const char* const kKnownBackends[] = {"cpu", "vulkan"};

std::vector<BackendFactory>& registry() {
  static std::vector<BackendFactory> factories;
  return factories;
}

const BackendFactory* find_factory(const std::string& name) {
  for (const BackendFactory& f : registry())
    if (f.name == name) return &f;
  return nullptr;
}

DeviceInfo cpu_device() {
  DeviceInfo d;
  d.backend = "cpu";
  d.name = "CPU";
  d.type = "cpu";
  d.detail = std::to_string(std::thread::hardware_concurrency()) + " hardware threads";
#if CAPPY_WITH_XNNPACK
  try {
    d.detail += std::string(", f32 on ") + cpu::f32_gemm_name(cpu::default_f32_gemm());
  } catch (const Error& e) {  // a bad CAPPY_F32_GEMM: listing devices still works
    d.detail += std::string(", ") + e.what();
  }
#else
  d.detail += ", portable kernels";
#endif
  return d;
}

// "vulkan:2" -> ("vulkan", 2); "vulkan" -> ("vulkan", -1: the backend's best).
void split_device(const std::string& device, std::string* backend, int* index) {
  const auto colon = device.find(':');
  *backend = device.substr(0, colon);
  *index = -1;
  if (colon == std::string::npos) return;
  const std::string n = device.substr(colon + 1);
  const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), *index);
  if (n.empty() || ec != std::errc() || end != n.data() + n.size() || *index < 0)
    throw Error("device \"" + device + "\": the part after ':' must be a device number (0, 1, ...)");
}

}  // namespace

int preferred_device(const std::vector<DeviceInfo>& devices) {
  int best = -1, best_rank = 99;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const std::string& t = devices[i].type;
    const int rank = t == "discrete-gpu" ? 0 : t == "integrated-gpu" ? 1 : t == "virtual-gpu" ? 2
                     : devices[i].is_gpu ? 3 : 4;
    if (rank < best_rank) best = static_cast<int>(i), best_rank = rank;
  }
  return best;
}

void register_backend(BackendFactory factory) {
  for (BackendFactory& f : registry())
    if (f.name == factory.name) {
      f = std::move(factory);
      return;
    }
  registry().push_back(std::move(factory));
}

void unregister_backend(const std::string& name) {
  auto& r = registry();
  r.erase(std::remove_if(r.begin(), r.end(), [&](const BackendFactory& f) { return f.name == name; }), r.end());
}

bool backend_registered(const std::string& name) { return name == "cpu" || find_factory(name); }

std::vector<DeviceInfo> list_devices(std::vector<std::string>* problems) {
  std::vector<DeviceInfo> all = {cpu_device()};
  for (const BackendFactory& f : registry()) {
    try {
      for (DeviceInfo& d : f.devices()) all.push_back(std::move(d));
    } catch (const Error& e) {
      if (problems) problems->push_back(f.name + ": " + e.what());
    }
  }
  return all;
}

std::unique_ptr<Backend> make_backend(const Graph& graph, const WeightStore& weights,
                                      const LoadOptions& options) {
  const std::string& device = options.device.empty() ? std::string("cpu") : options.device;
  if (device == "auto") {
    for (const BackendFactory& f : registry()) {
      std::vector<DeviceInfo> devices;
      try {
        devices = f.devices();
      } catch (const Error&) {
        continue;  // no driver: auto falls back to the CPU
      }
      for (const DeviceInfo& d : devices)
        if (d.is_gpu) return f.create(graph, weights, d.index, options);
    }
    return make_cpu_backend(graph, weights, options.threads);
  }
  std::string backend;
  int index = -1;
  split_device(device, &backend, &index);
  if (backend == "cpu") {
    if (index > 0) throw Error("device \"" + device + "\": there is one CPU device, cpu:0");
    return make_cpu_backend(graph, weights, options.threads);
  }
  const BackendFactory* f = find_factory(backend);
  if (!f) {
    for (const char* known : kKnownBackends)
      if (backend == known)
        throw Error("device \"" + device + "\": this build of cappy has no " + backend +
                    " backend (it was built without it; see the README's GPU section)");
    throw Error("unknown device \"" + device + "\" (cpu, vulkan, vulkan:N or auto)");
  }
  const std::vector<DeviceInfo> devices = f->devices();
  if (devices.empty()) throw Error("device \"" + device + "\": the " + backend + " driver reports no devices");
  if (index < 0) index = preferred_device(devices);
  if (index >= static_cast<int>(devices.size()))
    throw Error("device \"" + device + "\": there are " + std::to_string(devices.size()) + " " +
                backend + " devices (0.." + std::to_string(devices.size() - 1) + "; cappy devices lists them)");
  return f->create(graph, weights, index, options);
}

}  // namespace cappy
