#include "convert/torch_checkpoint.h"

#include <cstring>

#include "cappy/cappy.h"
#include "convert/torch_pickle.h"
#include "convert/zip_archive.h"

namespace cappy {

void read_torch_checkpoint(const FileBytes& bytes, const std::string& origin, SourceCheckpoint* out) {
  if (bytes.size < 4 || std::memcmp(bytes.data, "PK\x03\x04", 4) != 0)
    throw Error(origin + ": not a zip-format torch.save file (the legacy pre-1.6 format is not "
                         "read; re-save it with a current PyTorch)");
  ZipArchive zip(bytes.data, bytes.size, origin);
  // Every entry sits in one top-level folder whose name varies ("archive", the file's stem).
  std::string prefix;
  for (const auto& [name, data] : zip.entries()) {
    const auto slash = name.find('/');
    if (slash != std::string::npos && name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      if (!prefix.empty()) throw Error(origin + ": more than one data.pkl in the archive");
      prefix = name.substr(0, slash + 1);
    }
  }
  if (prefix.empty()) throw Error(origin + ": no <folder>/data.pkl in the archive");
  if (zip.has(prefix + "byteorder") && zip.read(prefix + "byteorder") != "little")
    throw Error(origin + ": big-endian tensors are not supported");

  const std::string_view pkl = zip.read(prefix + "data.pkl");
  const auto tensors = parse_state_dict_pickle(reinterpret_cast<const std::uint8_t*>(pkl.data()),
                                               pkl.size(), origin + ":" + prefix + "data.pkl");
  for (const PickledTensor& p : tensors) {
    const std::string where = origin + ": tensor \"" + p.name + "\"";
    const std::string entry = prefix + "data/" + p.storage_key;
    if (p.storage_key.empty() || p.storage_key.find('/') != std::string::npos || !zip.has(entry))
      throw Error(where + ": storage \"" + p.storage_key + "\" is not in the archive");
    const std::string_view storage = zip.read(entry);
    const std::size_t esize = dtype_size(p.dtype);
    if (p.storage_numel > storage.size() / esize)
      throw Error(where + ": storage \"" + p.storage_key + "\" claims " +
                  std::to_string(p.storage_numel) + " elements but holds " +
                  std::to_string(storage.size()) + " bytes");
    if (p.offset < 0 || static_cast<std::uint64_t>(p.offset) > p.storage_numel)
      throw Error(where + ": storage offset " + std::to_string(p.offset) + " is out of range");
    SourceTensor t;
    t.name = p.name;
    t.dtype = p.dtype;
    t.shape = p.shape;
    t.strides = p.strides;
    t.origin = origin;
    t.storage = reinterpret_cast<const std::uint8_t*>(storage.data()) + p.offset * esize;
    check_view_bounds(t, p.storage_numel - static_cast<std::uint64_t>(p.offset));
    out->tensors.push_back(std::move(t));
  }
  out->owners.push_back(bytes.owner);
}

}  // namespace cappy
