// The corrupt-file corpus: every reader (GGUF and the bundle layer, the
// PyTorch zip + pickle subset, msgpack + Flax) rejects each malformed input
// with a cappy::Error that names the file and says what is wrong. The bytes
// of each case are spelled out here, so the case documents itself.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "bundle_test_util.h"
#include "cappy/cappy.h"
#include "convert/flax_checkpoint.h"
#include "convert/msgpack_reader.h"
#include "convert/torch_checkpoint.h"
#include "convert/torch_pickle.h"
#include "convert/zip_archive.h"
#include "model/bundle.h"
#include "model/gguf.h"
#include "model/gguf_writer.h"
#include "model/model_files.h"
#include "model/weight_store.h"

namespace cappy {
namespace {

using namespace std::string_literals;  // literals with NUL bytes

// Little-endian byte builder.
struct Bytes {
  std::string s;
  Bytes& raw(const std::string& v) { s += v; return *this; }
  Bytes& le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  Bytes& u8(std::uint64_t v) { return le(v, 1); }
  Bytes& u32(std::uint64_t v) { return le(v, 4); }
  Bytes& u64(std::uint64_t v) { return le(v, 8); }
  Bytes& str(const std::string& v) { return u64(v.size()).raw(v); }  // GGUF string
  Bytes& pad_to(std::size_t align) {
    while (s.size() % align) s.push_back('\0');
    return *this;
  }
};

Bytes gguf(std::uint32_t version, std::uint64_t tensors, std::uint64_t kvs) {
  Bytes b;
  b.raw("GGUF").u32(version).u64(tensors).u64(kvs);
  return b;
}

// A GGUF tensor info: name, rank, dims (GGML order), type, offset.
Bytes& tensor_info(Bytes& b, const std::string& name, std::vector<std::uint64_t> dims,
                   std::uint32_t type, std::uint64_t offset) {
  b.str(name).u32(dims.size());
  for (auto d : dims) b.u64(d);
  return b.u32(type).u64(offset);
}

void expect_error(const std::function<void()>& f, const std::string& origin, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "accepted; expected an error mentioning: " << needle;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_NE(msg.find(origin), std::string::npos) << "the message should name " << origin << ": " << msg;
  }
}

const std::uint8_t* u(const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); }

void gguf_rejects(const Bytes& b, const std::string& needle) {
  expect_error([&] { parse_gguf(u(b.s), b.s.size(), "bad.gguf"); }, "bad.gguf", needle);
}

// --- GGUF container ---------------------------------------------------------

TEST(CorruptGguf, EmptyFile) { gguf_rejects(Bytes{}, "not a GGUF file (bad magic)"); }
TEST(CorruptGguf, TruncatedHeader) { gguf_rejects(Bytes{}.raw("GGUF").u32(3).u32(0), "truncated: tensor count"); }
TEST(CorruptGguf, UnsupportedVersion) { gguf_rejects(gguf(1, 0, 0), "GGUF version 1 is not supported"); }
TEST(CorruptGguf, HugeTensorCount) { gguf_rejects(gguf(3, 1ull << 40, 0), "1099511627776 tensors is over the limit"); }
TEST(CorruptGguf, HugeMetadataCount) { gguf_rejects(gguf(3, 0, 1ull << 33), "metadata entries is over the limit"); }
TEST(CorruptGguf, KeyLengthLies) { gguf_rejects(gguf(3, 0, 1).u64(1ull << 62), "metadata key of 4611686018427387904 bytes is too long"); }
TEST(CorruptGguf, StringValueRunsPastTheEnd) {
  gguf_rejects(gguf(3, 0, 1).str("k").u32(8).u64(1000).raw("short"), "truncated: metadata \"k\" needs 1000 bytes");
}
TEST(CorruptGguf, UnknownMetadataType) { gguf_rejects(gguf(3, 0, 1).str("k").u32(99), "metadata \"k\" has unknown type 99"); }
TEST(CorruptGguf, NestedArray) { gguf_rejects(gguf(3, 0, 1).str("k").u32(9).u32(9), "array element type 9 is not supported"); }
TEST(CorruptGguf, ArrayCountLies) {
  gguf_rejects(gguf(3, 0, 1).str("k").u32(9).u32(8).u64(1000000), "metadata \"k\": truncated string array");
}
TEST(CorruptGguf, DuplicateKey) {
  gguf_rejects(gguf(3, 0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2), "metadata \"k\" appears twice");
}
TEST(CorruptGguf, AlignmentNotAPowerOfTwo) {
  gguf_rejects(gguf(3, 0, 1).str("general.alignment").u32(4).u32(24), "general.alignment 24 is not a power of two");
}
TEST(CorruptGguf, RankTooLarge) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {1, 1, 1, 1, 1}, 0, 0), "tensor \"t\": rank 5 is not 1 to 4");
}
TEST(CorruptGguf, HugeDimension) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {1ull << 41}, 0, 0), "tensor \"t\": dimension 2199023255552 is out of range");
}
TEST(CorruptGguf, DimsWhoseProductOverflows) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {1ull << 40, 1ull << 40, 1ull << 40}, 0, 0),
               "shape [1099511627776, 1099511627776, 1099511627776] does not fit type F32");
}
TEST(CorruptGguf, UnsupportedGgmlType) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {32}, 2 /* Q4_0 */, 0), "tensor \"t\": GGML type 2 is not supported");
}
TEST(CorruptGguf, Q8RowNotAMultipleOf32) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {33, 2}, 8, 0), "shape [2, 33] does not fit type Q8_0");
}
TEST(CorruptGguf, UnalignedOffset) {
  Bytes b = gguf(3, 1, 0);
  gguf_rejects(tensor_info(b, "t", {4}, 0, 4), "offset 4 is not a multiple of the alignment 32");
}
TEST(CorruptGguf, OffsetOutsideTheData) {
  Bytes b = gguf(3, 1, 0);
  tensor_info(b, "t", {4}, 0, 64).pad_to(32).raw(std::string(16, '\0'));
  gguf_rejects(b, "tensor \"t\": bytes [64, 80) are outside the data section of 16 bytes");
}
TEST(CorruptGguf, TruncatedData) {
  Bytes b = gguf(3, 1, 0);
  tensor_info(b, "t", {1000}, 0, 0).pad_to(32).raw(std::string(100, '\0'));
  gguf_rejects(b, "bytes [0, 4000) are outside the data section of 100 bytes");
}
TEST(CorruptGguf, OverlappingTensors) {
  Bytes b = gguf(3, 2, 0);
  tensor_info(b, "a", {16}, 0, 0);
  tensor_info(b, "b", {16}, 0, 32).pad_to(32).raw(std::string(128, '\0'));
  gguf_rejects(b, "tensors \"a\" and \"b\" overlap");
}
TEST(CorruptGguf, DuplicateTensorName) {
  Bytes b = gguf(3, 2, 0);
  tensor_info(b, "a", {4}, 0, 0);
  tensor_info(b, "a", {4}, 0, 32);
  gguf_rejects(b, "tensor \"a\" appears twice");
}

// --- The bundle layer on top of GGUF ----------------------------------------

void bundle_rejects(const GgufWriter& w, const std::string& needle) {
  const auto bytes = std::make_shared<const std::vector<std::uint8_t>>(w.write_memory());
  expect_error([&] { bundle_files(bytes, "bad.cappy"); }, "bad.cappy", needle);
}

GgufWriter cappy_writer() {
  GgufWriter w;
  w.add_string("general.architecture", kBundleArchitecture);
  w.add_u32(kBundleVersionKey, kBundleVersion);
  return w;
}

TEST(CorruptBundle, MissingVersion) {
  GgufWriter w;
  w.add_string("general.architecture", "cappy");
  bundle_rejects(w, "missing u32 metadata \"cappy.bundle_version\"");
}
TEST(CorruptBundle, FutureVersion) {
  GgufWriter w;
  w.add_string("general.architecture", "cappy");
  w.add_u32(kBundleVersionKey, 2);
  bundle_rejects(w, "bundle version 2 is not supported");
}
TEST(CorruptBundle, PathInAnEmbeddedFileName) {
  GgufWriter w = cappy_writer();
  w.add_string("cappy.file.config.json", "{}");
  w.add_string("cappy.file.../../etc/passwd", "x");
  bundle_rejects(w, "embedded file name \"../../etc/passwd\" is not allowed");
}
TEST(CorruptBundle, EmbeddedFileOfTheWrongType) {
  GgufWriter w = cappy_writer();
  w.add_u32("cappy.file.config.json", 7);
  bundle_rejects(w, "metadata \"cappy.file.config.json\" must be a string or a u8 array");
}
TEST(CorruptBundle, NoConfig) { bundle_rejects(cappy_writer(), "the bundle has no config.json"); }

// A real bundle of tiny-roberta with one tensor replaced: the loaders check
// every tensor against the config.
std::vector<std::uint8_t> tiny_bundle_with(const std::string& replaced, DType dtype,
                                           std::vector<std::int64_t> shape) {
  const auto files = directory_files(test::fixture("tiny-roberta"));
  GgufWriter w = cappy_writer();
  for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json"})
    w.add_string(std::string(kBundleFilePrefix) + f, std::string(files->open(f).text()));
  const WeightStore src = WeightStore::open(*files);
  for (const auto& [name, view] : src.tensors()) {
    const TensorView* v = &view;
    if (name == replaced) {
      w.add_tensor(name, dtype, shape, [](std::uint8_t*) {});
    } else {
      w.add_tensor(name, view.dtype, view.shape,
                   [v](std::uint8_t* out) { std::memcpy(out, v->data, v->nbytes); });
    }
  }
  return w.write_memory();
}

TEST(CorruptBundle, TensorShapeDisagreesWithTheConfig) {
  const auto bytes = tiny_bundle_with("roberta.encoder.layer.1.output.dense.weight", DType::F32, {36, 79});
  expect_error([&] { Scorer::load_bundle(bytes); }, "memory bundle",
               "tensor \"roberta.encoder.layer.1.output.dense.weight\" has shape [36, 79] but the config implies [36, 80]");
}
TEST(CorruptBundle, TensorOfANonFloatType) {
  const auto bytes = tiny_bundle_with("roberta.encoder.layer.0.attention.output.LayerNorm.bias", DType::I32, {36});
  expect_error([&] { Scorer::load_bundle(bytes); }, "memory bundle",
               "has dtype I32; weights must be F32, F16, BF16 or Q8_0");
}

// --- Pickle (the state-dict subset) ------------------------------------------

void pickle_rejects(const std::string& p, const std::string& needle) {
  expect_error([&] { parse_state_dict_pickle(u(p), p.size(), "data.pkl"); }, "data.pkl", needle);
}

TEST(CorruptPickle, OsSystemGlobal) {
  pickle_rejects("\x80\x02" "cos\nsystem\n" "X\x02\x00\x00\x00ls" "\x85R."s,
                 "global os.system is not allowed (only the PyTorch state-dict subset is read; nothing in a pickle is ever executed)");
}
TEST(CorruptPickle, BuiltinsEvalViaStackGlobal) {
  pickle_rejects("\x80\x04\x8c\x08" "builtins" "\x8c\x04" "eval" "\x93.", "global builtins.eval is not allowed");
}
TEST(CorruptPickle, InstOpcode) { pickle_rejects("\x80\x02(ios\nsystem\n.", "opcode 0x69 is not in the state-dict subset"); }
TEST(CorruptPickle, NoStop) { pickle_rejects("\x80\x02}", "truncated: no STOP opcode"); }
TEST(CorruptPickle, UnsetMemo) { pickle_rejects("\x80\x02h\x05.", "memo index 5 is not set"); }
TEST(CorruptPickle, DeepNesting) {
  std::string p = "\x80\x02";
  for (int i = 0; i < 100; ++i) p += "]";
  for (int i = 0; i < 99; ++i) p += "a";
  pickle_rejects(p + ".", "nesting deeper than 64");
}
TEST(CorruptPickle, NotAStateDict) { pickle_rejects("\x80\x02]." , "the top-level object is a list, not a state dict"); }
TEST(CorruptPickle, HugeInteger) { pickle_rejects(std::string("\x80\x02\x8a\x09", 4) + std::string(9, '\x01') + ".", "integer of 9 bytes is too large"); }
TEST(CorruptPickle, UnknownProtocol) { pickle_rejects("\x80\x07}.", "pickle protocol 7 is not supported"); }
TEST(CorruptPickle, StackUnderflow) { pickle_rejects("\x80\x02s.", "stack underflow"); }
TEST(CorruptPickle, BadPersistentId) { pickle_rejects("\x80\x02X\x03\x00\x00\x00" "abcQ."s, "persistent id is not ('storage', type, key, location, numel)"s); }

// --- torch.save zip archives --------------------------------------------------

// A zip of stored entries, as torch.save writes them.
std::string zip_of(const std::vector<std::pair<std::string, std::string>>& entries, std::uint16_t method = 0) {
  Bytes local, central;
  for (const auto& [name, data] : entries) {
    const std::size_t offset = local.s.size();
    const std::uint32_t crc = crc32(data);
    local.u32(0x04034b50).le(20, 2).le(0, 2).le(method, 2).le(0, 4).u32(crc).u32(data.size()).u32(data.size())
        .le(name.size(), 2).le(0, 2).raw(name).raw(data);
    central.u32(0x02014b50).le(20, 2).le(20, 2).le(0, 2).le(method, 2).le(0, 4).u32(crc).u32(data.size())
        .u32(data.size()).le(name.size(), 2).le(0, 2).le(0, 2).le(0, 2).le(0, 2).u32(0).u32(offset).raw(name);
  }
  Bytes end;
  end.u32(0x06054b50).le(0, 2).le(0, 2).le(entries.size(), 2).le(entries.size(), 2).u32(central.s.size())
      .u32(local.s.size()).le(0, 2);
  return local.s + central.s + end.s;
}

// data.pkl of {"w": tensor(storage "0" of `numel` floats, offset, size, stride)}.
std::string state_dict_pickle(int numel, int offset, int size, int stride) {
  std::string p = "\x80\x02}X\x01\x00\x00\x00w" "ctorch._utils\n_rebuild_tensor_v2\n("s;
  p += "(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0X\x03\x00\x00\x00" "cpuK"s;
  p += static_cast<char>(numel);
  p += "tQK";
  p += static_cast<char>(offset);
  p += "K";
  p += static_cast<char>(size);
  p += "\x85K";
  p += static_cast<char>(stride);
  p += "\x85\x89)tRs.";
  return p;
}

void torch_rejects(const std::string& zip, const std::string& needle) {
  auto owner = std::make_shared<std::string>(zip);
  FileBytes bytes{u(*owner), owner->size(), owner};
  SourceCheckpoint out;
  expect_error([&] { read_torch_checkpoint(bytes, "pytorch_model.bin", &out); }, "pytorch_model.bin", needle);
}

TEST(CorruptTorch, ValidArchiveIsRead) {  // the builder itself is right
  auto owner = std::make_shared<std::string>(
      zip_of({{"archive/data.pkl", state_dict_pickle(4, 1, 3, 1)}, {"archive/data/0", std::string(16, '\0')}}));
  SourceCheckpoint out;
  read_torch_checkpoint(FileBytes{u(*owner), owner->size(), owner}, "pytorch_model.bin", &out);
  ASSERT_EQ(out.tensors.size(), 1u);
  EXPECT_EQ(out.tensors[0].shape, (std::vector<std::int64_t>{3}));
}
TEST(CorruptTorch, LegacyFormat) { torch_rejects("\x80\x02\x8a\x0alegacy", "not a zip-format torch.save file"); }
TEST(CorruptTorch, CompressedEntry) {
  torch_rejects(zip_of({{"archive/data.pkl", "x"}}, 8), "entry \"archive/data.pkl\" is compressed (method 8)");
}
TEST(CorruptTorch, CrcMismatch) {
  std::string z = zip_of({{"archive/data.pkl", state_dict_pickle(4, 0, 4, 1)}, {"archive/data/0", std::string(16, '\0')}});
  z[z.find(std::string(16, '\0'))] = 1;  // flip a storage byte after the CRC was computed
  torch_rejects(z, "entry \"archive/data/0\" is corrupt (CRC-32 mismatch)");
}
TEST(CorruptTorch, TruncatedArchive) {
  const std::string z = zip_of({{"archive/data.pkl", "abc"}});
  torch_rejects(z.substr(0, z.size() - 30), "not a valid zip archive: no end-of-central-directory record");
}
TEST(CorruptTorch, StorageSmallerThanClaimed) {
  torch_rejects(zip_of({{"archive/data.pkl", state_dict_pickle(100, 0, 4, 1)}, {"archive/data/0", std::string(16, '\0')}}),
                "storage \"0\" claims 100 elements but holds 16 bytes");
}
TEST(CorruptTorch, ViewPastTheStorage) {
  torch_rejects(zip_of({{"archive/data.pkl", state_dict_pickle(4, 1, 3, 2)}, {"archive/data/0", std::string(16, '\0')}}),
                "shape [3] with strides [2] reaches element 4 of a storage of 3 elements");
}
TEST(CorruptTorch, MissingStorage) {
  torch_rejects(zip_of({{"archive/data.pkl", state_dict_pickle(4, 0, 4, 1)}}), "storage \"0\" is not in the archive");
}

// --- msgpack and Flax ---------------------------------------------------------

void msgpack_rejects(const std::string& m, const std::string& needle) {
  expect_error([&] { parse_msgpack(u(m), m.size(), "flax_model.msgpack"); }, "flax_model.msgpack", needle);
}
void flax_rejects(const std::string& m, const std::string& needle) {
  auto owner = std::make_shared<std::string>(m);
  SourceCheckpoint out;
  expect_error([&] { read_flax_checkpoint(FileBytes{u(*owner), owner->size(), owner}, "flax_model.msgpack", &out); },
               "flax_model.msgpack", needle);
}

TEST(CorruptMsgpack, TruncatedBin) { msgpack_rejects("\xc4\x10" "abc", "truncated: 16 bytes claimed"); }
TEST(CorruptMsgpack, ReservedByte) { msgpack_rejects("\xc1", "reserved type byte 0xc1"); }
TEST(CorruptMsgpack, MapCountLies) { msgpack_rejects("\xdf\xff\xff\xff\xff", "count 4294967295 exceeds the data"); }
TEST(CorruptMsgpack, DeepNesting) { msgpack_rejects(std::string(40, '\x91') + "\xc0", "nesting deeper than 32"); }
TEST(CorruptMsgpack, TrailingBytes) { msgpack_rejects("\xc0\xc0", "trailing bytes after the value"); }

// {"a": {"kernel": ext1((shape, dtype, bytes))}}
std::string flax_file(const std::string& shape, const std::string& dtype, const std::string& data) {
  std::string payload = "\x93" + shape + static_cast<char>(0xa0 | dtype.size()) + dtype + "\xc4" +
                        static_cast<char>(data.size()) + data;
  return std::string("\x81\xa1" "a\x81\xa6kernel\xc7") + static_cast<char>(payload.size()) + "\x01" + payload;
}

TEST(CorruptFlax, ValidArrayIsReadTransposed) {
  auto owner = std::make_shared<std::string>(flax_file("\x92\x01\x02", "float32", std::string(8, '\0')));
  SourceCheckpoint out;
  read_flax_checkpoint(FileBytes{u(*owner), owner->size(), owner}, "f", &out);
  ASSERT_EQ(out.tensors.size(), 1u);
  EXPECT_EQ(out.tensors[0].name, "a.weight");
  EXPECT_EQ(out.tensors[0].shape, (std::vector<std::int64_t>{2, 1}));
}
TEST(CorruptFlax, ByteCountDisagreesWithTheShape) {
  flax_rejects(flax_file("\x92\x02\x02", "float32", std::string(8, '\0')), "holds 8 bytes but F32 [2, 2] needs 16");
}
TEST(CorruptFlax, IntegerArray) { flax_rejects(flax_file("\x91\x02", "int32", std::string(8, '\0')), "dtype \"int32\" is not a float type"); }
TEST(CorruptFlax, LeafThatIsNotAnArray) { flax_rejects("\x81\xa1" "a\x05", "\"a\": expected an array (msgpack ext type 1)"); }
TEST(CorruptFlax, NonStringKey) { flax_rejects("\x81\x05\xc0", "a key under \"\" is not a string"); }

}  // namespace
}  // namespace cappy
