#include "line_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cappy/cappy.h"

namespace cappy::cli {

LineReader::LineReader(const std::string& path) {
  if (path.empty() || path == "-") {
    fd_ = 0;
    name_ = "<stdin>";
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  own_fd_ = true;
  name_ = path;
}

LineReader::~LineReader() {
  if (own_fd_) ::close(fd_);
}

bool LineReader::fill(bool block) {
  if (eof_) return false;
  if (!block) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
  }
  char chunk[1 << 16];
  ssize_t n;
  do {
    n = ::read(fd_, chunk, sizeof chunk);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw Error(name_ + ": read failed: " + std::strerror(errno));
  if (n == 0) {
    eof_ = true;
    return false;
  }
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

bool LineReader::line_ready() {
  while (buffer_.find('\n', pos_) == std::string::npos) {
    if (eof_) return pos_ < buffer_.size();
    if (!fill(false)) return eof_ && pos_ < buffer_.size();
  }
  return true;
}

bool LineReader::next(std::string& line) {
  std::size_t nl;
  while ((nl = buffer_.find('\n', pos_)) == std::string::npos) {
    if (!fill(true)) {
      if (pos_ >= buffer_.size()) return false;
      nl = buffer_.size();  // a last line without '\n'
      break;
    }
  }
  line.assign(buffer_, pos_, nl - pos_);
  pos_ = nl < buffer_.size() ? nl + 1 : nl;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  ++line_number_;
  return true;
}

}  // namespace cappy::cli
