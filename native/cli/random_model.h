// A model of a known shape with random weights, made in memory for
// benchmarks (no Python, no files): `cappy bench --shape roberta-large`.
// f16 and q8 variants are bundles written in memory by the converter, so
// every backend sees them exactly as it sees `cappy convert` output.
#pragma once

#include <memory>
#include <string>

#include "model/model_files.h"

namespace cappy::cli {

// shape: roberta-large | roberta-base | minilm-l6; dtype: f32 | f16 | q8.
// Throws cappy::Error for other names.
std::unique_ptr<ModelFiles> random_model(const std::string& shape, const std::string& dtype);

}  // namespace cappy::cli
