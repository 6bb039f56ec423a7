#include "model/safetensors.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "cappy/cappy.h"

namespace cappy {

namespace {

using nlohmann::json;

std::uint64_t read_le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

std::uint64_t checked_offset(const json& v, const std::string& where) {
  if (!v.is_number_unsigned()) throw Error(where + ": data_offsets must be non-negative integers");
  return v.get<std::uint64_t>();
}

}  // namespace

std::vector<TensorView> parse_safetensors(const std::uint8_t* data, std::size_t size,
                                          const std::string& origin) {
  if (size < 8) throw Error(origin + ": not a safetensors file (shorter than 8 bytes)");
  const std::uint64_t header_len = read_le64(data);
  if (header_len == 0 || header_len > kMaxSafetensorsHeaderBytes)
    throw Error(origin + ": safetensors header length " + std::to_string(header_len) +
                " is out of range");
  if (header_len > size - 8)
    throw Error(origin + ": truncated: header of " + std::to_string(header_len) +
                " bytes but the file has " + std::to_string(size) + " bytes");

  json header;
  try {
    header = json::parse(data + 8, data + 8 + header_len);
  } catch (const json::exception& e) {  // parse_error, or out_of_range (a number beyond double)
    throw Error(origin + ": malformed safetensors header: " + e.what());
  }
  if (!header.is_object()) throw Error(origin + ": safetensors header is not a JSON object");

  const std::uint8_t* base = data + 8 + header_len;
  const std::uint64_t data_size = size - 8 - header_len;

  std::vector<TensorView> out;
  out.reserve(header.size());
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = origin + ": tensor \"" + it.key() + "\"";
    const json& entry = it.value();
    if (!entry.is_object()) throw Error(where + ": entry is not an object");

    TensorView t;
    t.name = it.key();
    t.file = origin;
    auto dt = entry.find("dtype");
    if (dt == entry.end() || !dt->is_string()) throw Error(where + ": missing dtype");
    if (!parse_dtype(dt->get<std::string>(), &t.dtype))
      throw Error(where + ": unknown dtype \"" + dt->get<std::string>() + "\"");

    auto sh = entry.find("shape");
    if (sh == entry.end() || !sh->is_array()) throw Error(where + ": missing shape");
    if (sh->size() > kMaxTensorRank) throw Error(where + ": rank " + std::to_string(sh->size()) + " is too large");
    std::uint64_t numel = 1;
    for (const auto& d : *sh) {
      if (!d.is_number_unsigned()) throw Error(where + ": shape must hold non-negative integers");
      std::uint64_t dim = d.get<std::uint64_t>();
      if (dim != 0 && numel > std::numeric_limits<std::uint64_t>::max() / 16 / dim)
        throw Error(where + ": shape " + sh->dump() + " is too large");
      numel *= dim;
      t.shape.push_back(static_cast<std::int64_t>(dim));
    }

    auto off = entry.find("data_offsets");
    if (off == entry.end() || !off->is_array() || off->size() != 2)
      throw Error(where + ": data_offsets must be [begin, end]");
    const std::uint64_t begin = checked_offset((*off)[0], where);
    const std::uint64_t end = checked_offset((*off)[1], where);
    if (begin > end || end > data_size)
      throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                  "] are outside the data section of " + std::to_string(data_size) + " bytes");
    const std::uint64_t expected = numel * dtype_size(t.dtype);
    if (end - begin != expected)
      throw Error(where + ": holds " + std::to_string(end - begin) + " bytes but " +
                  dtype_name(t.dtype) + " " + shape_text(t.shape) + " needs " +
                  std::to_string(expected));
    t.data = base + begin;
    t.nbytes = static_cast<std::size_t>(expected);
    out.push_back(std::move(t));
  }

  // Tensors must not overlap: sort by start and compare neighbours.
  std::vector<const TensorView*> order;
  for (const auto& t : out) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->data < b->data; });
  for (std::size_t i = 1; i < order.size(); ++i) {
    const TensorView* prev = order[i - 1];
    if (prev->data + prev->nbytes > order[i]->data && prev->nbytes > 0 && order[i]->nbytes > 0)
      throw Error(origin + ": tensors \"" + prev->name + "\" and \"" + order[i]->name +
                  "\" overlap");
  }
  return out;
}

}  // namespace cappy
