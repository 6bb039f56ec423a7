// libFuzzer target: pytorch_model.bin as a whole (zip archive, pickle,
// storages and strided views).
#include "convert/torch_checkpoint.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    cappy::SourceCheckpoint out;
    cappy::read_torch_checkpoint(cappy::fuzz::owned(data, size), "fuzz.bin", &out);
    cappy::fuzz::touch(out);
  } catch (const cappy::Error&) {
  }
  return 0;
}
