// Reads lines from a file or stdin without iostream buffering, so the caller
// can ask whether another line is already available (and batch it) or whether
// it should answer what it has now (an interactive producer is waiting).
#pragma once

#include <cstddef>
#include <string>

namespace cappy::cli {

class LineReader {
 public:
  // path "" or "-" reads stdin. Throws cappy::Error when the file can't be opened.
  explicit LineReader(const std::string& path);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without its '\n' (and '\r'); false at end of input.
  bool next(std::string& line);
  // True when a whole line can be read without blocking.
  bool line_ready();
  // 1-based number of the last line returned.
  std::size_t line_number() const { return line_number_; }
  const std::string& name() const { return name_; }

 private:
  bool fill(bool block);

  int fd_ = 0;
  bool own_fd_ = false;
  bool eof_ = false;
  std::string name_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
};

}  // namespace cappy::cli
