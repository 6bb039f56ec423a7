// Device selection through the backend registry (LoadOptions::device): what
// a build without a GPU backend says, device numbers, and what "auto" picks
// among a backend's devices (a stand-in backend that records its choice).
#include <gtest/gtest.h>

#include "backend/backend_registry.h"
#include "cappy/cappy.h"

namespace cappy {
namespace {

std::string fixture(const std::string& rel) { return std::string(CAPPY_FIXTURES_DIR) + "/" + rel; }

std::string load_error(const std::string& device) {
  LoadOptions o;
  o.device = device;
  try {
    Scorer::load(fixture("tiny-bert"), o);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(BackendRegistry, ABuildWithoutVulkanSaysSo) {
  unregister_backend("vulkan");
  EXPECT_NE(load_error("vulkan").find("this build of cappy has no vulkan backend"), std::string::npos);
  EXPECT_NE(load_error("vulkan:1").find("this build of cappy has no vulkan backend"), std::string::npos);
}

TEST(BackendRegistry, UnknownDevicesAndNumbersAreErrors) {
  EXPECT_NE(load_error("tpu").find("unknown device \"tpu\""), std::string::npos);
  EXPECT_NE(load_error("cpu:1").find("one CPU device"), std::string::npos);
  EXPECT_NE(load_error("vulkan:x").find("must be a device number"), std::string::npos);
}

TEST(BackendRegistry, CpuAndAutoWithoutGpuBackendsRunOnTheCpu) {
  unregister_backend("vulkan");
  for (const char* d : {"cpu", "cpu:0", "auto", ""}) {
    LoadOptions o;
    o.device = d;
    EXPECT_EQ(Scorer::load(fixture("tiny-bert"), o)->info().device, "cpu") << d;
  }
}

// A stand-in GPU backend: runs on the CPU, named after the device it got.
struct FakeDevices {
  std::vector<DeviceInfo> devices;
  bool fail = false;
};

void register_fake(FakeDevices* fake) {
  BackendFactory f;
  f.name = "vulkan";
  f.devices = [fake] {
    if (fake->fail) throw Error("no Vulkan driver (ICD) found");
    return fake->devices;
  };
  f.create = [fake](const Graph& g, const WeightStore& w, int index, const LoadOptions& o) {
    struct Named : Backend {
      std::unique_ptr<Backend> inner;
      std::string label;
      std::string name() const override { return label; }
      void run(const PackedBatch& b, float* out) override { inner->run(b, out); }
    };
    auto b = std::make_unique<Named>();
    b->inner = make_cpu_backend(g, w, 1);
    b->label = "vulkan: " + fake->devices.at(index).name;
    return std::unique_ptr<Backend>(std::move(b));
  };
  register_backend(std::move(f));
}

DeviceInfo device(int index, const char* name, const char* type) {
  DeviceInfo d;
  d.backend = "vulkan";
  d.index = index;
  d.name = name;
  d.type = type;
  d.is_gpu = std::string(type) != "cpu";
  return d;
}

std::string device_for(const std::string& wanted) {
  LoadOptions o;
  o.device = wanted;
  return Scorer::load(fixture("tiny-bert"), o)->info().device;
}

TEST(BackendRegistry, VulkanPrefersADiscreteGpuAndAutoSkipsCpuImplementations) {
  FakeDevices fake;
  register_fake(&fake);
  fake.devices = {device(0, "llvmpipe", "cpu"), device(1, "iGPU", "integrated-gpu"),
                  device(2, "dGPU", "discrete-gpu")};
  EXPECT_EQ(device_for("vulkan"), "vulkan: dGPU");
  EXPECT_EQ(device_for("vulkan:0"), "vulkan: llvmpipe");
  EXPECT_EQ(device_for("auto"), "vulkan: iGPU");  // the first real GPU
  fake.devices = {device(0, "llvmpipe", "cpu")};
  EXPECT_EQ(device_for("vulkan"), "vulkan: llvmpipe");  // asked for: a CPU implementation will do
  EXPECT_EQ(device_for("auto"), "cpu");
  EXPECT_NE(load_error("vulkan:3").find("there are 1 vulkan devices (0..0"), std::string::npos);
  fake.devices = {};
  EXPECT_NE(load_error("vulkan").find("reports no devices"), std::string::npos);
  fake.fail = true;
  EXPECT_NE(load_error("vulkan").find("no Vulkan driver (ICD) found"), std::string::npos);
  EXPECT_EQ(device_for("auto"), "cpu");
  std::vector<std::string> problems;
  const auto all = list_devices(&problems);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].backend, "cpu");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("vulkan: no Vulkan driver"), std::string::npos);
  unregister_backend("vulkan");
}

}  // namespace
}  // namespace cappy
