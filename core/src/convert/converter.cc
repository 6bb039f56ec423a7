#include "convert/converter.h"

#include <cstring>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "cappy/cappy.h"
#include "convert/checkpoint_sources.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "tokenize/tokenizer.h"
#include "util/utf8.h"

namespace cappy {

namespace {

// The HF files a bundle carries besides the weights (whichever exist).
const char* const kEmbeddedFiles[] = {
    "config.json",          "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
    "added_tokens.json",    "vocab.json",     "merges.txt",            "vocab.txt",
    "sentencepiece.bpe.model", "spiece.model", "tokenizer.model",
};

bool is_valid_utf8(std::string_view s) {
  try {
    validate_utf8(s);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// What each tensor the graph uses is, so the format rule can pick its dtype.
enum class Role { LinearWeight, WordEmbedding, Other };

struct Needed {
  std::string name;
  std::vector<std::int64_t> shape;
  Role role;
};

std::vector<Needed> needed_tensors(const Graph& graph) {
  std::vector<Needed> out;
  std::set<std::string> seen;
  for (const Op& op : graph.ops)
    for (std::size_t w = 0; w < op.weights.size(); ++w) {
      const WeightRef& ref = op.weights[w];
      std::vector<std::int64_t> part = ref.shape;
      part[0] /= static_cast<std::int64_t>(ref.parts.size());
      Role role = Role::Other;
      if (op.kind == OpKind::Linear && w == 0) role = Role::LinearWeight;
      if (op.kind == OpKind::EmbedLayerNorm && w == 0) role = Role::WordEmbedding;
      for (const auto& name : ref.parts)
        if (seen.insert(name).second) out.push_back({name, part, role});
    }
  return out;
}

DType output_dtype(const Needed& n, WeightFormat format, const std::regex* keep_f16) {
  if (n.shape.size() < 2 || format == WeightFormat::F32) return DType::F32;  // biases, norms
  if (keep_f16 && std::regex_search(n.name, *keep_f16)) return DType::F16;
  if (format == WeightFormat::BF16) return DType::BF16;  // every matrix, as f16 does
  if (format == WeightFormat::Q8_0 && n.role != Role::Other &&
      n.shape.back() % static_cast<std::int64_t>(kQ8BlockElems) == 0)
    return DType::Q8_0;
  return DType::F16;
}

void encode(const std::vector<float>& v, DType dtype, std::uint8_t* out) {
  switch (dtype) {
    case DType::F32:
      std::memcpy(out, v.data(), v.size() * 4);
      break;
    case DType::F16:
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::uint16_t h = float_to_half(v[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      break;
    case DType::BF16:
      for (std::size_t i = 0; i < v.size(); ++i) {
        const std::uint16_t h = float_to_bf16(v[i]);
        std::memcpy(out + 2 * i, &h, 2);
      }
      break;
    case DType::Q8_0:
      for (std::size_t b = 0; b < v.size() / kQ8BlockElems; ++b)
        quantize_q8_block(v.data() + b * kQ8BlockElems, out + b * kQ8BlockBytes);
      break;
    default:
      throw Error(std::string("cannot encode ") + dtype_name(dtype));
  }
}

// Old BERT checkpoints name LayerNorm parameters gamma/beta; HF renames them.
std::string hf_alias(const std::string& name) {
  auto ends = [&](const char* s) {
    const std::size_t n = std::strlen(s);
    return name.size() >= n && name.compare(name.size() - n, n, s) == 0;
  };
  if (ends("LayerNorm.gamma")) return name.substr(0, name.size() - 5) + "weight";
  if (ends("LayerNorm.beta")) return name.substr(0, name.size() - 4) + "bias";
  return name;
}

}  // namespace

bool parse_weight_format(const std::string& text, WeightFormat* out) {
  if (text == "f32") *out = WeightFormat::F32;
  else if (text == "f16") *out = WeightFormat::F16;
  else if (text == "q8" || text == "q8_0") *out = WeightFormat::Q8_0;
  else if (text == "bf16") *out = WeightFormat::BF16;
  else return false;
  return true;
}

const char* weight_format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::F32: return "f32";
    case WeightFormat::F16: return "f16";
    case WeightFormat::Q8_0: return "q8_0";
    case WeightFormat::BF16: return "bf16";
  }
  return "?";
}

GgufWriter prepare_bundle(const ModelFiles& files, const ConvertOptions& options,
                          ConvertSummary* summary) {
  if (!files.has("config.json")) throw Error(files.description() + ": not a model (no config.json)");
  const FileBytes config_bytes = files.open("config.json");
  const ModelSpec spec = parse_config(std::string(config_bytes.text()), files.origin("config.json"));
  // Fail now, not when the bundle is first loaded, if the tokenizer is broken.
  load_tokenizer(files, spec.model_type);
  const Graph graph = build_encoder_graph(spec);

  auto source = std::make_shared<SourceCheckpoint>(open_source_checkpoint(files));
  std::map<std::string, const SourceTensor*> by_name;
  for (const SourceTensor& t : source->tensors) by_name[hf_alias(t.name)] = &t;

  ConvertSummary s;
  s.source_format = source->format;
  GgufWriter writer;
  writer.add_string("general.architecture", kBundleArchitecture);
  writer.add_u32(kBundleVersionKey, kBundleVersion);
  writer.add_string("general.name", spec.architecture);
  writer.add_string(kBundleWeightsDtypeKey, weight_format_name(options.format));
  writer.add_string(kBundleSourceFormatKey, source->format);
  if (!options.q8_activations.empty()) {
    if (options.format != WeightFormat::Q8_0)
      throw Error("q8 activations (\"" + options.q8_activations + "\") are for q8 bundles, not " +
                  weight_format_name(options.format));
    if (!is_q8_activation_width(options.q8_activations))
      throw Error("q8 activations must be int8 or int16, not \"" + options.q8_activations + "\"");
    writer.add_string(kBundleQ8ActivationsKey, options.q8_activations);
  }
  for (const char* name : kEmbeddedFiles) {
    if (!files.has(name)) continue;
    const FileBytes f = files.open(name);
    const std::string key = std::string(kBundleFilePrefix) + name;
    if (is_valid_utf8(f.text()) && std::string(name).find(".model") == std::string::npos)
      writer.add_string(key, std::string(f.text()));
    else
      writer.add_bytes(key, std::vector<std::uint8_t>(f.data, f.data + f.size));
    s.embedded_files.push_back(name);
  }

  std::unique_ptr<std::regex> keep_f16;
  if (!options.keep_f16.empty()) {
    if (options.format != WeightFormat::Q8_0) throw Error("--keep-f16 applies to q8 bundles only");
    try {
      keep_f16 = std::make_unique<std::regex>(options.keep_f16, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw Error("--keep-f16 \"" + options.keep_f16 + "\": not a regular expression (" + e.what() + ")");
    }
  }
  std::set<std::string> used;
  for (const Needed& n : needed_tensors(graph)) {
    auto it = by_name.find(n.name);
    if (it == by_name.end())
      throw Error(files.description() + ": missing tensor \"" + n.name + "\" (" + source->format +
                  " weights)");
    const SourceTensor& t = *it->second;
    if (t.shape != n.shape)
      throw Error(t.origin + ": tensor \"" + t.name + "\" has shape " + shape_text(t.shape) +
                  " but the config implies " + shape_text(n.shape));
    used.insert(t.name);
    const DType dtype = output_dtype(n, options.format, keep_f16.get());
    (dtype == DType::Q8_0   ? s.q8_tensors
     : dtype == DType::F16  ? s.f16_tensors
     : dtype == DType::BF16 ? s.bf16_tensors
                            : s.f32_tensors)++;
    const SourceTensor* tp = &t;
    writer.add_tensor(n.name, dtype, n.shape, [source, tp, dtype](std::uint8_t* out) {
      encode(read_f32(*tp), dtype, out);
    });
    ++s.tensors;
  }
  s.unused_tensors = source->tensors.size() - used.size();
  if (summary) *summary = s;
  return writer;
}

ConvertSummary convert_checkpoint(const std::string& src_dir, const std::string& out_path,
                                  const ConvertOptions& options) {
  ConvertSummary summary;
  const auto files = directory_files(src_dir);
  GgufWriter writer = prepare_bundle(*files, options, &summary);
  writer.write_file(out_path, options.progress);
  return summary;
}

}  // namespace cappy
