#include "progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace cappy::cli {

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), enabled_(::isatty(2) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
  last_percent_ = -1;
}

void ProgressBar::update(std::size_t done, std::size_t total) {
  if (!enabled_ || total == 0) return;
  const int percent = static_cast<int>(done * 100 / total);
  if (percent == last_percent_) return;
  last_percent_ = percent;
  constexpr int kWidth = 30;
  const int filled = percent * kWidth / 100;
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%% %zu/%zu", label_.c_str(), filled,
               "##############################", kWidth - filled, "", percent, done, total);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace cappy::cli
