#include "convert/zip_archive.h"

#include <array>

#include "cappy/cappy.h"

namespace cappy {

namespace {

std::uint64_t le(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = v << 8 | p[i];
  return v;
}

constexpr std::uint32_t kEocdSig = 0x06054b50, kZip64LocatorSig = 0x07064b50,
                        kZip64EocdSig = 0x06064b50, kCentralSig = 0x02014b50, kLocalSig = 0x04034b50;

}  // namespace

std::uint32_t crc32(std::string_view bytes) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xffffffffu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

ZipArchive::ZipArchive(const std::uint8_t* data, std::size_t size, std::string origin)
    : origin_(std::move(origin)) {
  auto fail = [&](const std::string& what) { throw Error(origin_ + ": not a valid zip archive: " + what); };
  if (size < 22) fail("shorter than an end-of-central-directory record");
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  std::size_t eocd = size;
  for (std::size_t p = size - 22;; --p) {
    if (le(data + p, 4) == kEocdSig && p + 22 + le(data + p + 20, 2) == size) {
      eocd = p;
      break;
    }
    if (p == 0 || size - p > 22 + 65535) break;
  }
  if (eocd == size) fail("no end-of-central-directory record");
  std::uint64_t count = le(data + eocd + 10, 2);
  std::uint64_t cd_size = le(data + eocd + 12, 4);
  std::uint64_t cd_offset = le(data + eocd + 16, 4);
  if (count == 0xffff || cd_size == 0xffffffff || cd_offset == 0xffffffff) {
    if (eocd < 20 || le(data + eocd - 20, 4) != kZip64LocatorSig) fail("missing ZIP64 locator");
    const std::uint64_t z = le(data + eocd - 20 + 8, 8);
    if (z > size || size - z < 56 || le(data + z, 4) != kZip64EocdSig) fail("bad ZIP64 end record");
    count = le(data + z + 32, 8);
    cd_size = le(data + z + 40, 8);
    cd_offset = le(data + z + 48, 8);
  }
  if (count > kMaxZipEntries) fail(std::to_string(count) + " entries is over the limit");
  if (cd_offset > size || cd_size > size - cd_offset) fail("central directory outside the file");

  std::uint64_t p = cd_offset;
  const std::uint64_t cd_end = cd_offset + cd_size;
  for (std::uint64_t k = 0; k < count; ++k) {
    if (cd_end - p < 46 || le(data + p, 4) != kCentralSig) fail("bad central directory entry " + std::to_string(k));
    const std::uint64_t flags = le(data + p + 8, 2), method = le(data + p + 10, 2);
    const std::uint32_t crc = static_cast<std::uint32_t>(le(data + p + 16, 4));
    std::uint64_t csize = le(data + p + 20, 4), usize = le(data + p + 24, 4);
    const std::uint64_t name_len = le(data + p + 28, 2), extra_len = le(data + p + 30, 2),
                        comment_len = le(data + p + 32, 2);
    std::uint64_t local = le(data + p + 42, 4);
    if (cd_end - p - 46 < name_len + extra_len + comment_len) fail("central directory entry overruns");
    const std::string name(reinterpret_cast<const char*>(data + p + 46), name_len);
    // ZIP64 extra field: the 64-bit values of the fields saturated above, in order.
    const std::uint8_t* extra = data + p + 46 + name_len;
    for (std::uint64_t e = 0; e + 4 <= extra_len;) {
      const std::uint64_t id = le(extra + e, 2), len = le(extra + e + 2, 2);
      if (e + 4 + len > extra_len) fail("extra field overruns in \"" + name + "\"");
      if (id == 0x0001) {
        std::uint64_t q = e + 4;
        auto take = [&](std::uint64_t& field) {
          if (field != 0xffffffff) return;
          if (q + 8 > e + 4 + len) fail("short ZIP64 field in \"" + name + "\"");
          field = le(extra + q, 8);
          q += 8;
        };
        take(usize);
        take(csize);
        take(local);
      }
      e += 4 + len;
    }
    p += 46 + name_len + extra_len + comment_len;

    if (flags & 1) fail("entry \"" + name + "\" is encrypted");
    if (method != 0 || csize != usize)
      fail("entry \"" + name + "\" is compressed (method " + std::to_string(method) +
           "); PyTorch stores entries uncompressed");
    if (local > size || size - local < 30 || le(data + local, 4) != kLocalSig)
      fail("bad local header for \"" + name + "\"");
    const std::uint64_t start = local + 30 + le(data + local + 26, 2) + le(data + local + 28, 2);
    if (start > size || usize > size - start) fail("entry \"" + name + "\" lies outside the file");
    if (!entries_.emplace(name, std::string_view(reinterpret_cast<const char*>(data + start), usize)).second)
      fail("entry \"" + name + "\" appears twice");
    crcs_[name] = crc;
  }
}

std::string_view ZipArchive::read(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(origin_ + ": missing entry \"" + name + "\"");
  if (crc32(it->second) != crcs_.at(name))
    throw Error(origin_ + ": entry \"" + name + "\" is corrupt (CRC-32 mismatch)");
  return it->second;
}

}  // namespace cappy
