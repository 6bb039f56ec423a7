// libFuzzer target: the safetensors header parser.
#include "fuzz_util.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = cappy::fuzz::owned(data, size);
  try {
    for (const auto& t : cappy::parse_safetensors(bytes.data, bytes.size, "fuzz.safetensors"))
      if (t.numel() <= (1 << 16)) {
        std::vector<float> out(static_cast<std::size_t>(t.numel()));
        try {
          cappy::convert_to_f32(t, out.data());
        } catch (const cappy::Error&) {
        }
      }
  } catch (const cappy::Error&) {
  }
  return 0;
}
