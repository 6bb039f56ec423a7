// The state-dict subset of Python's pickle, as torch.save writes it (protocol
// 2, and the protocol-4 opcodes for good measure). This is a data reader, not
// an interpreter: no Python object is ever constructed and no code runs.
// Only these globals are recognised, each as a fixed data constructor:
//   collections.OrderedDict, torch._utils._rebuild_tensor_v2,
//   torch._utils._rebuild_parameter, torch.{Float,Half,BFloat16,Double,Long,
//   Int,Short,Char,Byte,Bool}Storage
// Any other global (os.system, builtins.eval, ...) or opcode is rejected
// with an error naming it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/tensor.h"

namespace cappy {

constexpr std::size_t kMaxPickleBytes = 64u << 20;
constexpr std::size_t kMaxPickleObjects = 1u << 22;
constexpr int kMaxPickleDepth = 64;

// One tensor of the state dict: a view of storage `storage_key` (the zip
// entry archive/data/<key>), which holds `storage_numel` elements of dtype.
struct PickledTensor {
  std::string name;
  std::string storage_key;
  DType dtype = DType::F32;
  std::uint64_t storage_numel = 0;
  std::int64_t offset = 0;  // elements
  std::vector<std::int64_t> shape, strides;
};

// Parses data.pkl of a torch.save'd state dict: a dict (or OrderedDict) from
// names to tensors. Entries whose values are not tensors are skipped.
// Throws cappy::Error("<origin>: ...") on anything outside the subset.
std::vector<PickledTensor> parse_state_dict_pickle(const std::uint8_t* data, std::size_t size,
                                                   const std::string& origin);

}  // namespace cappy
