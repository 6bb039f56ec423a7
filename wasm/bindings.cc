// The core's JavaScript face (Embind). The public API is api/cappy.mjs; this
// file only moves bytes, strings and numbers across. Errors never cross as C++
// exceptions: each call returns {error: message} instead, which the JS side
// turns into an Error.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "backend/plan/plan.h"
#include "backend/plan/plan_json.h"
#include "batch/packed_batch.h"
#include "batch/padded_batch.h"
#include "cappy/cappy.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "model/model_files.h"
#include "tokenize/model_tokenizer.h"

using emscripten::val;

namespace {

val error_value(const std::string& message) {
  val e = val::object();
  e.set("error", message);
  return e;
}

template <class F>
val guarded(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return error_value("out of memory (the WebAssembly heap is limited to 4 GiB)");
  } catch (const std::exception& e) {
    return error_value(e.what());
  }
}

template <class T>
val copy_array(const char* type, const std::vector<T>& v) {
  return val::global(type).new_(emscripten::typed_memory_view(v.size(), v.data()));
}

std::vector<std::string> strings_of(const val& array) {
  std::vector<std::string> out(array["length"].as<std::size_t>());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = array[i].as<std::string>();
  return out;
}

// Encodes every (instruction, response) pair with `encode` (errors name the
// pair), groups them into the batches the core would run, and returns
// make(members, encodings of the group) for each: members[p] is the
// response index of the group's pair p.
template <class Encode, class Make>
val batches_of(const std::string& instruction, const val& responses, int batch_size, int max_batch_tokens,
               Encode encode, Make make) {
  if (batch_size < 1) throw cappy::Error("batch_size must be at least 1");
  if (max_batch_tokens < 0) throw cappy::Error("max_batch_tokens must be >= 0");
  const std::vector<std::string> texts = strings_of(responses);
  std::vector<cappy::Encoding> encodings;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    try {
      encodings.push_back(encode(instruction, texts[i]));
    } catch (const cappy::Error& e) {
      throw cappy::Error("pair " + std::to_string(i) + ": " + e.what());
    }
    lengths.push_back(encodings.back().ids.size());
  }
  val batches = val::array();
  for (const auto& group : cappy::group_batches(lengths, batch_size, max_batch_tokens)) {
    std::vector<const cappy::Encoding*> members;
    std::vector<std::int32_t> indices;
    for (std::size_t i : group) {
      members.push_back(&encodings[i]);
      indices.push_back(static_cast<std::int32_t>(i));
    }
    val o = make(members);
    o.set("members", copy_array("Int32Array", indices));
    batches.call<void>("push", o);
  }
  return batches;
}

// One loaded model: the Scorer (tokenizer + CPU backend), and its spec and
// graph, which an engine outside the core (WebGPU) needs: prepare() packs its
// batches, plan() lowers the graph to its dispatches.
class Model {
 public:
  Model(std::unique_ptr<cappy::Scorer> scorer, cappy::ModelSpec spec)
      : scorer_(std::move(scorer)), spec_(std::move(spec)), graph_(cappy::build_encoder_graph(spec_)) {}

  val info() const {
    const cappy::ModelInfo& m = scorer_->info();
    val o = val::object();
    o.set("architecture", m.architecture);
    o.set("modelType", m.model_type);
    o.set("numLayers", m.num_layers);
    o.set("hiddenSize", m.hidden_size);
    o.set("numHeads", m.num_heads);
    o.set("intermediateSize", m.intermediate_size);
    o.set("vocabSize", m.vocab_size);
    o.set("numLabels", m.num_labels);
    o.set("maxLength", m.max_length);
    o.set("numParameters", static_cast<double>(m.num_parameters));
    return o;
  }

  // Logits [responses x labels] row-major, run on the core's CPU backend.
  val score(std::string instruction, val responses, int batch_size, int max_batch_tokens) const {
    return guarded([&] {
      const std::vector<float> logits = scorer_->score(
          instruction, strings_of(responses), {batch_size, max_batch_tokens});
      return copy_array("Float32Array", logits);
    });
  }

  // The GPU dispatch plan for one batch shape (plan_json.h's JSON, with the
  // WGSL sources), or {error}. `weights` is the device format of the linear
  // matrices and the word table: 'f32', 'f16' or 'q8' (Q8_0 blocks), or a
  // boolean as before (true: 'f16').
  val plan(int tokens, int pairs, int max_pair_tokens, val weights) const {
    return guarded([&] {
      cappy::plan::Options options;
      options.linear_weights = weight_format(weights);
      const cappy::plan::Plan p = cappy::plan::build_plan(graph_, {tokens, pairs, max_pair_tokens}, options);
      return val(cappy::plan::plan_to_json(p, true));
    });
  }

  // Tokenizes and packs the pairs into the batches the core would run, for an
  // engine that runs the forward pass itself: [{members, ids, typeIds,
  // positions, offsets}], members[p] being the response index of pair p.
  val prepare(std::string instruction, val responses, int batch_size, int max_batch_tokens) const {
    return guarded([&] {
      return batches_of(
          instruction, responses, batch_size, max_batch_tokens,
          [&](const std::string& a, const std::string& b) { return scorer_->encode(a, b); },
          [&](const std::vector<const cappy::Encoding*>& members) {
            const cappy::PackedBatch b = cappy::pack_batch(members, spec_);
            val o = val::object();
            o.set("ids", copy_array("Int32Array", b.ids));
            o.set("typeIds", copy_array("Int32Array", b.type_ids));
            o.set("positions", copy_array("Int32Array", b.positions));
            o.set("offsets", copy_array("Int32Array", b.offsets));
            return o;
          });
    });
  }

 private:
  static cappy::plan::WeightFormat weight_format(const val& weights) {
    if (weights.isTrue()) return cappy::plan::WeightFormat::F16;
    if (weights.isFalse() || weights.isUndefined()) return cappy::plan::WeightFormat::F32;
    if (weights.isString()) {
      const std::string name = weights.as<std::string>();
      if (name == "f32") return cappy::plan::WeightFormat::F32;
      if (name == "f16") return cappy::plan::WeightFormat::F16;
      if (name == "q8") return cappy::plan::WeightFormat::Q8_0;
      throw cappy::Error("plan: weights must be 'f32', 'f16' or 'q8', got '" + name + "'");
    }
    throw cappy::Error("plan: weights must be 'f32', 'f16' or 'q8'");
  }

  std::unique_ptr<cappy::Scorer> scorer_;
  cappy::ModelSpec spec_;
  cappy::Graph graph_;
};

// A checkpoint's tokenizer alone (tokenizer.json, the older files or a
// sentencepiece model; config.json optional, weights never read): the same
// ModelTokenizer as the Scorer and as native `cappy tokenize`. For engines
// that run an exported graph (onnxruntime-web) while the core tokenizes and
// batches, and for the API's loadTokenizer (api/tokenizer.mjs).
class TokenizerModel {
 public:
  explicit TokenizerModel(cappy::ModelTokenizer tok) : tok_(std::move(tok)) {}

  val info() const {
    val o = val::object();
    o.set("modelType", tok_.model_type);
    o.set("maxLength", static_cast<double>(tok_.max_length));
    o.set("vocabSize", static_cast<double>(tok_.tokenizer->vocab_size()));
    o.set("padId", tok_.tokenizer->pad_id());
    return o;
  }

  // The pairs as padded batches: [{members, rows, cols, inputIds,
  // attentionMask, tokenTypeIds}] (Int32Array [rows x cols] each).
  val prepare(std::string instruction, val responses, int batch_size, int max_batch_tokens) const {
    return guarded([&] {
      return batches_of(
          instruction, responses, batch_size, max_batch_tokens,
          [&](const std::string& a, const std::string& b) { return tok_.tokenizer->encode_pair(a, b, tok_.max_length); },
          [&](const std::vector<const cappy::Encoding*>& members) {
            const cappy::PaddedBatch b = cappy::pad_batch(members, tok_.tokenizer->pad_id());
            val o = val::object();
            o.set("rows", b.rows);
            o.set("cols", b.cols);
            o.set("inputIds", copy_array("Int32Array", b.input_ids));
            o.set("attentionMask", copy_array("Int32Array", b.attention_mask));
            o.set("tokenTypeIds", copy_array("Int32Array", b.token_type_ids));
            return o;
          });
    });
  }

  // {ids, typeIds} or {error}. max_length < 0: the scoring limit (as `cappy
  // tokenize` without --max-length); 0: no truncation.
  val encode_single(std::string text, double max_length) const {
    return guarded([&] { return encoding(tok_.tokenizer->encode_single(text, limit(max_length))); });
  }
  val encode_pair(std::string a, std::string b, double max_length) const {
    return guarded([&] { return encoding(tok_.tokenizer->encode_pair(a, b, limit(max_length))); });
  }

 private:
  std::size_t limit(double max_length) const {
    if (max_length < 0) return tok_.max_length;
    if (max_length != std::floor(max_length) || max_length > 1e9)
      throw cappy::Error("maxLength must be a whole number of tokens, got " + std::to_string(max_length));
    return static_cast<std::size_t>(max_length);
  }
  static val encoding(const cappy::Encoding& e) {
    val o = val::object();
    o.set("ids", copy_array("Int32Array", e.ids));
    o.set("typeIds", copy_array("Int32Array", e.type_ids));
    return o;
  }

  cappy::ModelTokenizer tok_;
};

// Collects a checkpoint's files straight in wasm memory: JS reserves each
// file's bytes, writes them at the returned address, then loads.
class ModelLoader {
 public:
  // The address of `size` fresh bytes for file `name` (valid until load()),
  // or {error}.
  val reserve(std::string name, double size) {
    return guarded([&] {
      // One allocation in wasm32 is at most 2 GiB (PTRDIFF_MAX); check before
      // the cast, which would wrap.
      constexpr double kMaxFileBytes = 2147483647.0;
      if (!(size >= 0 && size <= kMaxFileBytes) || size != std::floor(size))
        throw cappy::Error(name + ": " + std::to_string(size) +
                           " bytes: a file in WebAssembly memory must be 0 to 2 GiB");
      try {
        files_.push_back({name, std::vector<std::uint8_t>(static_cast<std::size_t>(size))});
      } catch (const std::bad_alloc&) {
        throw cappy::Error(name + ": out of memory for its " + std::to_string(static_cast<std::uint64_t>(size)) +
                           " bytes (the WebAssembly heap is limited to 4 GiB)");
      }
      return val(static_cast<double>(reinterpret_cast<std::uintptr_t>(files_.back().bytes.data())));
    });
  }

  // A Model from the reserved HF checkpoint files, or {error}. The loader is
  // empty afterwards either way.
  val load(int threads) {
    std::vector<cappy::ModelFile> files = std::move(files_);
    files_.clear();
    return guarded([&] {
      std::string config;
      for (const auto& f : files)
        if (f.name == "config.json") config.assign(f.bytes.begin(), f.bytes.end());
      cappy::ModelSpec spec;
      if (!config.empty()) spec = cappy::parse_config(config, "config.json");
      auto scorer = cappy::Scorer::load_files(std::move(files), {threads});
      return val(std::make_shared<Model>(std::move(scorer), std::move(spec)));
    });
  }

  // A TokenizerModel from the reserved files (config.json when there is one,
  // and the tokenizer files; no weights), or {error}. model_type picks the
  // older files' pair template when there is no config.json ("" for none).
  // The loader is empty afterwards either way.
  val load_tokenizer(std::string model_type) {
    std::vector<cappy::ModelFile> files = std::move(files_);
    files_.clear();
    return guarded([&] {
      cappy::FileMap map;
      for (cappy::ModelFile& f : files) {
        if (f.name.empty() || f.name.find('/') != std::string::npos)
          throw cappy::Error("tokenizer file name \"" + f.name + "\" must be a plain file name");
        auto bytes = std::make_shared<const std::vector<std::uint8_t>>(std::move(f.bytes));
        if (!map.emplace(f.name, std::move(bytes)).second)
          throw cappy::Error("tokenizer file \"" + f.name + "\" given twice");
      }
      auto source = cappy::memory_files(std::move(map), "the tokenizer files");
      return val(std::make_shared<TokenizerModel>(cappy::load_model_tokenizer(*source, model_type)));
    });
  }

  // A Model from the one reserved file, a Cappy bundle, or {error}.
  val load_bundle(int threads) {
    std::vector<cappy::ModelFile> files = std::move(files_);
    files_.clear();
    return guarded([&] {
      if (files.size() != 1) throw cappy::Error("a bundle is one file");
      std::vector<std::uint8_t>& bytes = files[0].bytes;
      cappy::ModelSpec spec;
      {
        // The bundle's config.json, read through a view that does not own the
        // bytes (they move into the scorer next, without a copy).
        std::shared_ptr<const std::vector<std::uint8_t>> view(std::shared_ptr<void>(), &bytes);
        auto bundle = cappy::bundle_files(view, files[0].name);
        spec = cappy::parse_config(std::string(bundle->open("config.json").text()),
                                   bundle->origin("config.json"));
      }
      auto scorer = cappy::Scorer::load_bundle(std::move(bytes), {threads});
      return val(std::make_shared<Model>(std::move(scorer), std::move(spec)));
    });
  }

 private:
  std::vector<cappy::ModelFile> files_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(cappy) {
  emscripten::class_<Model>("Model")
      .smart_ptr<std::shared_ptr<Model>>("ModelPtr")
      .function("info", &Model::info)
      .function("score", &Model::score)
      .function("prepare", &Model::prepare)
      .function("plan", &Model::plan);
  emscripten::class_<TokenizerModel>("TokenizerModel")
      .smart_ptr<std::shared_ptr<TokenizerModel>>("TokenizerModelPtr")
      .function("info", &TokenizerModel::info)
      .function("prepare", &TokenizerModel::prepare)
      .function("encodeSingle", &TokenizerModel::encode_single)
      .function("encodePair", &TokenizerModel::encode_pair);
  emscripten::class_<ModelLoader>("ModelLoader")
      .constructor<>()
      .function("reserve", &ModelLoader::reserve)
      .function("load", &ModelLoader::load)
      .function("loadBundle", &ModelLoader::load_bundle)
      .function("loadTokenizer", &ModelLoader::load_tokenizer);
}
