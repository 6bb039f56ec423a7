#include "convert/flax_checkpoint.h"

#include "cappy/cappy.h"
#include "convert/msgpack_reader.h"

namespace cappy {

namespace {

using T = MsgpackValue::Type;

constexpr std::int8_t kNdarrayExt = 1;

bool numpy_dtype(std::string_view name, DType* out) {
  if (name == "float32") *out = DType::F32;
  else if (name == "float16") *out = DType::F16;
  else if (name == "bfloat16") *out = DType::BF16;
  else if (name == "float64") *out = DType::F64;
  else return false;
  return true;
}

std::string hf_leaf(const std::string& leaf) {
  if (leaf == "kernel" || leaf == "scale" || leaf == "embedding") return "weight";
  return leaf;
}

void walk(const MsgpackValue& node, const std::string& path, const std::string& origin,
          SourceCheckpoint* out) {
  if (node.type == T::Map && !node.items.empty() && node.items[0].type == T::Str &&
      node.items[0].bytes == "__msgpack_chunked_array__")
    throw Error(origin + ": \"" + path + "\": chunked arrays (over 1 GiB) are not supported");
  if (node.type == T::Map) {
    for (std::size_t e = 0; e + 1 < node.items.size(); e += 2) {
      const MsgpackValue& k = node.items[e];
      const MsgpackValue& v = node.items[e + 1];
      if (k.type != T::Str) throw Error(origin + ": a key under \"" + path + "\" is not a string");
      const std::string key(k.bytes);
      if (key.empty() || key.find('.') != std::string::npos)
        throw Error(origin + ": key \"" + key + "\" under \"" + path + "\" cannot form a tensor name");
      walk(v, path.empty() ? key : path + "/" + key, origin, out);
    }
    return;
  }
  const std::string where = origin + ": \"" + path + "\"";
  if (node.type != T::Ext || node.ext_type != kNdarrayExt)
    throw Error(where + ": expected an array (msgpack ext type 1)");
  const MsgpackValue arr = parse_msgpack(reinterpret_cast<const std::uint8_t*>(node.bytes.data()),
                                         node.bytes.size(), origin + ":" + path);
  if (arr.type != T::Array || arr.items.size() != 3 || arr.items[0].type != T::Array ||
      arr.items[1].type != T::Str || arr.items[2].type != T::Bin)
    throw Error(where + ": array payload is not (shape, dtype, bytes)");

  SourceTensor t;
  t.origin = origin;
  if (!numpy_dtype(arr.items[1].bytes, &t.dtype))
    throw Error(where + ": dtype \"" + std::string(arr.items[1].bytes) + "\" is not a float type");
  for (const auto& d : arr.items[0].items) {
    if (d.type != T::Int || d.i < 0 || d.i > (std::int64_t{1} << 40))
      throw Error(where + ": bad shape");
    t.shape.push_back(d.i);
  }
  if (t.shape.size() > 8) throw Error(where + ": rank too large");
  std::uint64_t nbytes = 0;
  if (!tensor_nbytes(t.dtype, t.shape, &nbytes) || nbytes != arr.items[2].bytes.size())
    throw Error(where + ": holds " + std::to_string(arr.items[2].bytes.size()) + " bytes but " +
                dtype_name(t.dtype) + " " + shape_text(t.shape) + " needs " + std::to_string(nbytes));
  t.storage = reinterpret_cast<const std::uint8_t*>(arr.items[2].bytes.data());
  t.strides = contiguous_strides(t.shape);

  // Name: path with "/" -> ".", leaf renamed; Dense kernels transposed by strides.
  std::string name;
  std::string rest = path;
  if (rest.compare(0, 7, "params/") == 0) rest = rest.substr(7);
  const auto slash = rest.rfind('/');
  const std::string leaf = slash == std::string::npos ? rest : rest.substr(slash + 1);
  name = slash == std::string::npos ? "" : rest.substr(0, slash + 1);
  for (char& c : name)
    if (c == '/') c = '.';
  t.name = name + hf_leaf(leaf);
  if (leaf == "kernel" && t.shape.size() == 2) {
    const std::int64_t in = t.shape[0], out_f = t.shape[1];  // stored [in, out]
    t.shape = {out_f, in};
    t.strides = {1, out_f};
  }
  out->tensors.push_back(std::move(t));
}

}  // namespace

void read_flax_checkpoint(const FileBytes& bytes, const std::string& origin, SourceCheckpoint* out) {
  const MsgpackValue root = parse_msgpack(bytes.data, bytes.size, origin);
  if (root.type != T::Map) throw Error(origin + ": the top level is not a map of parameters");
  walk(root, "", origin, out);
  out->owners.push_back(bytes.owner);
}

}  // namespace cappy
