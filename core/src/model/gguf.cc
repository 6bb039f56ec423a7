#include "model/gguf.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "cappy/cappy.h"

namespace cappy {

namespace {

struct GgmlInfo {
  GgmlType ggml;
  DType dtype;
};
constexpr GgmlInfo kGgmlTypes[] = {
    {GgmlType::F32, DType::F32},   {GgmlType::F16, DType::F16}, {GgmlType::Q8_0, DType::Q8_0},
    {GgmlType::I8, DType::I8},     {GgmlType::I16, DType::I16}, {GgmlType::I32, DType::I32},
    {GgmlType::I64, DType::I64},   {GgmlType::F64, DType::F64}, {GgmlType::BF16, DType::BF16},
};

// Size of a scalar metadata type; 0 for STRING and ARRAY.
std::size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::BOOL: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 0;
  }
}

bool known_type(std::uint32_t t) { return t <= static_cast<std::uint32_t>(GgufType::F64); }

// A bounds-checked cursor over the file's bytes.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size, const std::string& origin)
      : data_(data), size_(size), origin_(origin) {}

  std::size_t pos() const { return pos_; }
  std::size_t left() const { return size_ - pos_; }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(origin_ + ": " + what + " (at byte " + std::to_string(pos_) + ")");
  }

  void need(std::uint64_t n, const char* what) const {
    if (n > left())
      fail(std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
           std::to_string(left()) + " remain");
  }

  std::uint64_t le(int bytes, const char* what) {
    need(static_cast<std::uint64_t>(bytes), what);
    std::uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = v << 8 | data_[pos_ + i];
    pos_ += bytes;
    return v;
  }
  std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(le(4, what)); }
  std::uint64_t u64(const char* what) { return le(8, what); }

  std::string_view bytes(std::uint64_t n, const char* what) {
    need(n, what);
    std::string_view v(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return v;
  }

  std::string_view string(const char* what, std::uint64_t max_len) {
    const std::uint64_t n = u64(what);
    if (n > max_len) fail(std::string(what) + " of " + std::to_string(n) + " bytes is too long");
    return bytes(n, what);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  const std::string& origin_;
};

GgufValue read_value(Reader& r, GgufType type, const std::string& key) {
  GgufValue v;
  v.type = type;
  const std::string what = "metadata \"" + key + "\"";
  if (type == GgufType::STRING) {
    v.str = r.string(what.c_str(), UINT64_MAX);
    return v;
  }
  if (type == GgufType::ARRAY) {
    const std::uint32_t et = r.u32(what.c_str());
    if (!known_type(et) || static_cast<GgufType>(et) == GgufType::ARRAY)
      r.fail(what + ": array element type " + std::to_string(et) + " is not supported");
    v.elem_type = static_cast<GgufType>(et);
    v.count = r.u64(what.c_str());
    if (v.count > kMaxGgufArrayElems)
      r.fail(what + ": array of " + std::to_string(v.count) + " elements is over the limit");
    if (v.elem_type == GgufType::STRING) {
      // Each element takes at least its 8-byte length: bound the count first.
      if (v.count > r.left() / 8) r.fail(what + ": truncated string array");
      v.strings.reserve(static_cast<std::size_t>(v.count));
      for (std::uint64_t k = 0; k < v.count; ++k)
        v.strings.push_back(r.string(what.c_str(), UINT64_MAX));
    } else {
      v.raw = r.bytes(v.count * scalar_size(v.elem_type), what.c_str());
    }
    return v;
  }
  const std::size_t n = scalar_size(type);
  const std::uint64_t bits = r.le(static_cast<int>(n), what.c_str());
  switch (type) {
    case GgufType::F32: {
      float f;
      const auto b = static_cast<std::uint32_t>(bits);
      std::memcpy(&f, &b, 4);
      v.f = f;
      break;
    }
    case GgufType::F64:
      std::memcpy(&v.f, &bits, 8);
      break;
    case GgufType::I8: v.i = static_cast<std::int8_t>(bits); break;
    case GgufType::I16: v.i = static_cast<std::int16_t>(bits); break;
    case GgufType::I32: v.i = static_cast<std::int32_t>(bits); break;
    case GgufType::I64: v.i = static_cast<std::int64_t>(bits); break;
    case GgufType::BOOL:
      if (bits > 1) r.fail(what + ": a bool must be 0 or 1");
      v.u = bits;
      break;
    default: v.u = bits; break;  // unsigned
  }
  return v;
}

}  // namespace

bool dtype_to_ggml(DType t, GgmlType* out) {
  for (const auto& g : kGgmlTypes)
    if (g.dtype == t) {
      *out = g.ggml;
      return true;
    }
  return false;
}

bool has_gguf_magic(const std::uint8_t* data, std::size_t size) {
  return size >= 4 && std::memcmp(data, "GGUF", 4) == 0;
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

std::string_view GgufFile::string(const std::string& key, const std::string& origin) const {
  const GgufValue* v = find(key);
  if (!v) throw Error(origin + ": missing metadata \"" + key + "\"");
  if (v->type != GgufType::STRING) throw Error(origin + ": metadata \"" + key + "\" is not a string");
  return v->str;
}

GgufFile parse_gguf(const std::uint8_t* data, std::size_t size, const std::string& origin) {
  if (!has_gguf_magic(data, size)) throw Error(origin + ": not a GGUF file (bad magic)");
  Reader r(data, size, origin);
  r.bytes(4, "magic");
  GgufFile g;
  g.version = r.u32("version");
  if (g.version != 2 && g.version != 3)
    r.fail("GGUF version " + std::to_string(g.version) + " is not supported (2 or 3)");
  const std::uint64_t n_tensors = r.u64("tensor count");
  const std::uint64_t n_kv = r.u64("metadata count");
  if (n_tensors > kMaxGgufTensors)
    r.fail(std::to_string(n_tensors) + " tensors is over the limit of " + std::to_string(kMaxGgufTensors));
  if (n_kv > kMaxGgufMetadata)
    r.fail(std::to_string(n_kv) + " metadata entries is over the limit of " + std::to_string(kMaxGgufMetadata));

  for (std::uint64_t k = 0; k < n_kv; ++k) {
    const std::string key(r.string("metadata key", kMaxGgufKeyBytes));
    if (key.empty()) r.fail("empty metadata key");
    const std::uint32_t type = r.u32("metadata type");
    if (!known_type(type))
      r.fail("metadata \"" + key + "\" has unknown type " + std::to_string(type));
    GgufValue v = read_value(r, static_cast<GgufType>(type), key);
    if (!g.metadata.emplace(key, std::move(v)).second) r.fail("metadata \"" + key + "\" appears twice");
  }
  if (const GgufValue* a = g.find("general.alignment")) {
    if (a->type != GgufType::U32) throw Error(origin + ": general.alignment must be a u32");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0 || a->u > kMaxGgufAlignment)
      throw Error(origin + ": general.alignment " + std::to_string(a->u) +
                  " is not a power of two up to " + std::to_string(kMaxGgufAlignment));
    g.alignment = static_cast<std::uint32_t>(a->u);
  }

  struct Info {
    std::uint64_t offset, nbytes;
  };
  std::vector<Info> infos;
  std::set<std::string> names;
  for (std::uint64_t k = 0; k < n_tensors; ++k) {
    TensorView t;
    t.name = std::string(r.string("tensor name", kMaxGgufKeyBytes));
    t.file = origin;
    const std::string where = "tensor \"" + t.name + "\"";
    if (t.name.empty()) r.fail("empty tensor name");
    if (!names.insert(t.name).second) r.fail(where + " appears twice");
    const std::uint32_t n_dims = r.u32("tensor rank");
    if (n_dims == 0 || n_dims > kMaxGgufDims)
      r.fail(where + ": rank " + std::to_string(n_dims) + " is not 1 to " + std::to_string(kMaxGgufDims));
    t.shape.resize(n_dims);
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const std::uint64_t dim = r.u64("tensor dims");
      if (dim == 0 || dim > (std::uint64_t{1} << 40))
        r.fail(where + ": dimension " + std::to_string(dim) + " is out of range");
      t.shape[n_dims - 1 - d] = static_cast<std::int64_t>(dim);  // GGML order -> row-major
    }
    const std::uint32_t type = r.u32("tensor type");
    bool known = false;
    for (const auto& gt : kGgmlTypes)
      if (static_cast<std::uint32_t>(gt.ggml) == type) {
        t.dtype = gt.dtype;
        known = true;
      }
    if (!known) r.fail(where + ": GGML type " + std::to_string(type) + " is not supported");
    std::uint64_t nbytes = 0;
    if (!tensor_nbytes(t.dtype, t.shape, &nbytes))
      r.fail(where + ": shape " + shape_text(t.shape) + " does not fit type " + dtype_name(t.dtype));
    const std::uint64_t offset = r.u64("tensor offset");
    if (offset % g.alignment != 0)
      r.fail(where + ": offset " + std::to_string(offset) + " is not a multiple of the alignment " +
             std::to_string(g.alignment));
    infos.push_back({offset, nbytes});
    g.tensors.push_back(std::move(t));
  }

  const std::uint64_t pos = r.pos();
  g.data_offset = (pos + g.alignment - 1) / g.alignment * g.alignment;
  const std::uint64_t data_size = g.data_offset <= size ? size - g.data_offset : 0;
  if (!g.tensors.empty() && g.data_offset > size)
    throw Error(origin + ": truncated: the data section would start at byte " +
                std::to_string(g.data_offset) + " of a " + std::to_string(size) + "-byte file");
  for (std::size_t k = 0; k < g.tensors.size(); ++k) {
    TensorView& t = g.tensors[k];
    const Info& in = infos[k];
    if (in.offset > data_size || in.nbytes > data_size - in.offset)
      throw Error(origin + ": tensor \"" + t.name + "\": bytes [" + std::to_string(in.offset) + ", " +
                  std::to_string(in.offset + in.nbytes) + ") are outside the data section of " +
                  std::to_string(data_size) + " bytes");
    t.data = data + g.data_offset + in.offset;
    t.nbytes = static_cast<std::size_t>(in.nbytes);
  }
  std::vector<const TensorView*> order;
  for (const auto& t : g.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->data < b->data; });
  for (std::size_t k = 1; k < order.size(); ++k)
    if (order[k - 1]->data + order[k - 1]->nbytes > order[k]->data)
      throw Error(origin + ": tensors \"" + order[k - 1]->name + "\" and \"" + order[k]->name +
                  "\" overlap");
  return g;
}

}  // namespace cappy
