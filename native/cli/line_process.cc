#include "line_process.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sys/wait.h>
#include <unistd.h>

#include "cappy/cappy.h"

namespace cappy::cli {

LineProcess::LineProcess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw Error("LineProcess: no command");
  for (const auto& a : argv) command_ += (command_.empty() ? "" : " ") + a;
  int in[2], out[2];
  if (::pipe(in) != 0) throw Error("cannot start " + command_ + ": pipe: " + std::strerror(errno));
  if (::pipe(out) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw Error("cannot start " + command_ + ": pipe: " + std::strerror(errno));
  }
  // A child that dies must not kill us with SIGPIPE on the next write.
  std::signal(SIGPIPE, SIG_IGN);
  pid_ = ::fork();
  if (pid_ < 0) throw Error("cannot start " + command_ + ": fork: " + std::strerror(errno));
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    ::dup2(out[1], STDOUT_FILENO);
    ::close(in[0]);
    ::close(in[1]);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "cannot start %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  to_child_ = in[1];
  from_child_ = out[0];
}

LineProcess::~LineProcess() {
  if (to_child_ >= 0) ::close(to_child_);
  if (from_child_ >= 0) ::close(from_child_);
  if (pid_ > 0) {
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void LineProcess::send_line(const std::string& line) {
  const std::string data = line + "\n";
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(to_child_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(command_ + ": exited (cannot write to it)");
    done += static_cast<std::size_t>(n);
  }
}

std::string LineProcess::read_line() {
  for (;;) {
    const auto nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    char chunk[4096];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw Error(command_ + ": exited before answering" + (buffer_.empty() ? "" : ": " + buffer_));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace cappy::cli
