#include "backend/cpu/xnn_linear.h"

#include <xnnpack.h>

#include <limits>
#include <mutex>
#include <string>

#include "cappy/cappy.h"

namespace cappy::cpu {

namespace {
void check(xnn_status status, const char* what) {
  if (status != xnn_status_success)
    throw Error(std::string("XNNPACK: ") + what + " failed (status " +
                std::to_string(static_cast<int>(status)) + ")");
}
}  // namespace

void ensure_xnnpack() {
  static std::once_flag once;
  static xnn_status status = xnn_status_success;
  std::call_once(once, [] { status = xnn_initialize(nullptr); });
  if (status != xnn_status_success)
    throw Error("XNNPACK cannot run on this CPU (xnn_initialize status " +
                std::to_string(static_cast<int>(status)) + ")");
}

XnnLinear::XnnLinear(const float* weight, const float* bias, int in_features, int out_features)
    : in_(in_features), out_(out_features) {
  ensure_xnnpack();
  check(xnn_create_fully_connected_nc_f32(
            in_features, out_features, in_features, out_features, weight, bias,
            -std::numeric_limits<float>::infinity(), std::numeric_limits<float>::infinity(),
            0, &op_),
        "create fully-connected");
}

XnnLinear::~XnnLinear() {
  if (op_) xnn_delete_operator(op_);
}

void XnnLinear::run(const float* in, std::size_t rows, float* out, const ThreadPool& pool) {
  check(xnn_setup_fully_connected_nc_f32(op_, rows, in, out, pool.get()), "setup fully-connected");
  check(xnn_run_operator(op_, pool.get()), "run fully-connected");
}

}  // namespace cappy::cpu
