// libFuzzer target: the GGUF reader and the bundle layer (embedded files,
// tensors widened to f32 as the loaders do).
#include "fuzz_util.h"
#include "model/bundle.h"
#include "model/weight_store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto buf = std::make_shared<const std::vector<std::uint8_t>>(data, data + size);
  try {
    auto files = cappy::bundle_files(buf, "fuzz.cappy");
    for (const char* name : {"config.json", "tokenizer.json", "vocab.txt"})
      if (files->has(name)) (void)files->open(name).text().size();
    const auto store = cappy::WeightStore::open(*files);
    for (const auto& [name, t] : store.tensors())
      if (t.numel() <= (1 << 16)) {
        std::vector<float> out(static_cast<std::size_t>(t.numel()));
        try {
          cappy::convert_to_f32(t, out.data());
        } catch (const cappy::Error&) {
        }
      }
  } catch (const cappy::Error&) {
  }
  try {  // the container alone, without the bundle's requirements
    (void)cappy::parse_gguf(buf->data(), buf->size(), "fuzz.gguf");
  } catch (const cappy::Error&) {
  }
  return 0;
}
