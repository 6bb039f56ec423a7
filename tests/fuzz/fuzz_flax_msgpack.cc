// libFuzzer target: msgpack and the Flax parameter tree.
#include "convert/flax_checkpoint.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    cappy::SourceCheckpoint out;
    cappy::read_flax_checkpoint(cappy::fuzz::owned(data, size), "fuzz.msgpack", &out);
    cappy::fuzz::touch(out);
  } catch (const cappy::Error&) {
  }
  return 0;
}
