// A child process spoken to in lines: its stdin and stdout are pipes to us,
// its stderr is ours. `cappy bench` uses it to drive onnxruntime-node one
// batch at a time, alternating with its own engines.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace cappy::cli {

class LineProcess {
 public:
  // Starts argv[0] (looked up in PATH) with argv; throws cappy::Error if it cannot.
  explicit LineProcess(const std::vector<std::string>& argv);
  ~LineProcess();  // closes its stdin and waits for it
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;

  void send_line(const std::string& line);
  // The next line of its stdout, without the newline; throws cappy::Error
  // naming the command when it exits first.
  std::string read_line();

 private:
  std::string command_;
  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string buffer_;
};

}  // namespace cappy::cli
