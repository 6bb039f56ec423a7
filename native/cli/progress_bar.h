// A one-line progress bar on stderr, drawn only when stderr is a terminal
// (never into logs or pipes).
#pragma once

#include <cstddef>
#include <string>

namespace cappy::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();  // ends the line if one was drawn
  void update(std::size_t done, std::size_t total);
  // Ends the bar's line (if one was drawn) so that other output starts clean.
  void finish();
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  bool enabled_ = false;
  bool drawn_ = false;
  int last_percent_ = -1;
};

}  // namespace cappy::cli
