// Token string -> id, looked up by string_view without building strings.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cappy {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Vocab {
 public:
  void add(std::string token, std::int32_t id) {
    if (id >= size_) size_ = id + 1;
    ids_.insert_or_assign(std::move(token), id);
  }
  // -1 when absent.
  std::int32_t find(std::string_view token) const {
    const auto it = ids_.find(token);
    return it == ids_.end() ? -1 : it->second;
  }
  bool contains(std::string_view token) const { return ids_.find(token) != ids_.end(); }
  // One past the largest id (ids may have holes).
  std::size_t size() const { return static_cast<std::size_t>(size_); }
  std::size_t count() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>> ids_;
  std::int32_t size_ = 0;
};

}  // namespace cappy
