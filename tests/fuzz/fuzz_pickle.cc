// libFuzzer target: the pickle reader (PyTorch's state-dict subset).
#include "convert/torch_pickle.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = cappy::fuzz::owned(data, size);
  try {
    (void)cappy::parse_state_dict_pickle(bytes.data, bytes.size, "fuzz.pkl");
  } catch (const cappy::Error&) {
  }
  return 0;
}
