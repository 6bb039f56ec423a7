// Helpers shared by the core tests: temporary files and hand-built
// safetensors, so each reader test states its bytes explicitly; and the check
// that a call is refused with a given message.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "cappy/cappy.h"

namespace cappy::test {

inline std::string temp_dir(const std::string& name) {
  // Per process: ctest runs tests in parallel processes.
  auto dir = std::filesystem::path(CAPPY_TEST_TMP_DIR) / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A safetensors file: 8-byte little-endian header length, header, data.
inline std::string safetensors_bytes(const std::string& header_json, const std::string& data) {
  std::string out(8, '\0');
  std::uint64_t n = header_json.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header_json + data;
}

inline std::string floats_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

// `call()` must throw cappy::Error whose message contains `needle`;
// `accepted` says what went wrong when it returns instead.
template <class Call>
void expect_error(Call call, const std::string& needle, const char* accepted) {
  try {
    call();
    ADD_FAILURE() << accepted;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace cappy::test
