// A read-only view of a ZIP archive's stored (uncompressed) entries, as
// PyTorch writes pytorch_model.bin (torch.save's zip format, torch >= 1.6).
// Central directory, ZIP64 records and local headers are all bounds-checked;
// compressed or encrypted entries are rejected; an entry's CRC-32 is checked
// when it is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace cappy {

constexpr std::uint64_t kMaxZipEntries = 1u << 20;

class ZipArchive {
 public:
  // Throws cappy::Error naming `origin` when the bytes are not a valid archive.
  ZipArchive(const std::uint8_t* data, std::size_t size, std::string origin);

  const std::map<std::string, std::string_view>& entries() const { return entries_; }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  // The entry's bytes (in place), its CRC-32 verified; throws when missing.
  std::string_view read(const std::string& name) const;
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::map<std::string, std::string_view> entries_;
  std::map<std::string, std::uint32_t> crcs_;
};

std::uint32_t crc32(std::string_view bytes);

}  // namespace cappy
