// The WGSL kernels implement exactly the interfaces the planner dispatches
// against (backend/plan/kernel_specs.h): binding order and access, Params
// fields and types, override constants, workgroup geometry.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "backend/plan/kernel_specs.h"
#include "backend/plan/wgsl_kernels.h"
#include "cappy/cappy.h"

namespace cappy::plan {
namespace {

struct WgslBinding {
  int index;
  std::string space;  // "storage, read", "storage, read_write", "uniform"
  std::string name;
};

std::vector<WgslBinding> bindings_of(const std::string& src) {
  std::vector<WgslBinding> out;
  std::regex re(R"(@group\(0\)\s*@binding\((\d+)\)\s*var<([a-z_, ]+)>\s*(\w+))");
  for (auto it = std::sregex_iterator(src.begin(), src.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back({std::stoi((*it)[1]), (*it)[2], (*it)[3]});
  return out;
}

// Params fields as (name, type).
std::vector<std::pair<std::string, std::string>> params_of(const std::string& src) {
  std::smatch m;
  std::regex body(R"(struct Params \{([^}]*)\})");
  if (!std::regex_search(src, m, body)) return {};
  const std::string fields = m[1];
  std::vector<std::pair<std::string, std::string>> out;
  std::regex field(R"((\w+)\s*:\s*(\w+))");
  for (auto it = std::sregex_iterator(fields.begin(), fields.end(), field); it != std::sregex_iterator(); ++it)
    out.push_back({(*it)[1], (*it)[2]});
  return out;
}

std::set<std::string> overrides_of(const std::string& src) {
  std::set<std::string> out;
  std::regex re(R"(override\s+(\w+)\s*:)");
  for (auto it = std::sregex_iterator(src.begin(), src.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

std::string workgroup_size_of(const std::string& src) {
  std::smatch m;
  std::regex re(R"(@workgroup_size\(([^)]*)\)\s*fn main)");
  return std::regex_search(src, m, re) ? std::string(m[1]) : "";
}

TEST(PlanKernels, EveryKernelHasWgslWithItsInterface) {
  for (const KernelSpec& k : kernel_specs()) {
    SCOPED_TRACE(k.name);
    const std::string& src = wgsl_kernel_source(k.name);
    const auto bindings = bindings_of(src);
    ASSERT_EQ(bindings.size(), k.bindings.size() + 1);
    for (std::size_t i = 0; i < k.bindings.size(); ++i) {
      EXPECT_EQ(bindings[i].index, static_cast<int>(i));
      EXPECT_EQ(bindings[i].name, k.bindings[i]);
      const bool writes = std::find(k.writes.begin(), k.writes.end(), k.bindings[i]) != k.writes.end();
      EXPECT_EQ(bindings[i].space, writes ? "storage, read_write" : "storage, read") << k.bindings[i];
    }
    EXPECT_EQ(bindings.back().index, static_cast<int>(k.bindings.size()));
    EXPECT_EQ(bindings.back().space, "uniform");
    EXPECT_EQ(bindings.back().name, "params");

    const auto params = params_of(src);
    ASSERT_EQ(params.size(), k.params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      EXPECT_EQ(params[i].first, k.params[i]);
      EXPECT_TRUE(params[i].second == "u32" || params[i].second == "f32") << params[i].second;
    }
    EXPECT_EQ(overrides_of(src), std::set<std::string>(k.constants.begin(), k.constants.end()));
    EXPECT_NE(src.find("fn main("), std::string::npos);
  }
}

TEST(PlanKernels, NoWgslFileWithoutASpec) {
  for (const auto& [name, src] : wgsl_kernels()) EXPECT_NE(find_kernel(name), nullptr) << name;
  EXPECT_THROW(wgsl_kernel_source("no_such_kernel"), Error);
}

TEST(PlanKernels, WorkgroupGeometryMatchesThePlanner) {
  const std::string n = std::to_string(kRowThreads);
  EXPECT_EQ(workgroup_size_of(wgsl_kernel_source("embed_layernorm")), n);
  EXPECT_EQ(workgroup_size_of(wgsl_kernel_source("add_layernorm")), n);
  EXPECT_EQ(workgroup_size_of(wgsl_kernel_source("gather_first")), std::to_string(kGatherThreads));
  EXPECT_EQ(workgroup_size_of(wgsl_kernel_source("attention")), std::to_string(kAttentionThreads));
  const std::string& linear = wgsl_kernel_source("linear");
  EXPECT_EQ(workgroup_size_of(linear), "16, 16");
  EXPECT_NE(linear.find("const TILE_M: u32 = " + std::to_string(kLinearTileRows) + "u;"), std::string::npos);
  EXPECT_NE(linear.find("const TILE_N: u32 = " + std::to_string(kLinearTileCols) + "u;"), std::string::npos);
  EXPECT_NE(linear.find("const TILE_K: u32 = " + std::to_string(kLinearTileK) + "u;"), std::string::npos);
}

// The Params struct of every kernel gets the types the plan writes.
TEST(PlanKernels, ParamTypesAreDeclared) {
  for (const KernelSpec& k : kernel_specs()) {
    for (const auto& [name, type] : params_of(wgsl_kernel_source(k.name)))
      EXPECT_EQ(type, (name == "eps" || name == "scale") ? "f32" : "u32") << k.name << "." << name;
  }
}

}  // namespace
}  // namespace cappy::plan
