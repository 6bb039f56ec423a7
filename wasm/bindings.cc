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
#include "cappy/cappy.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"

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
  // WGSL sources), or {error}.
  val plan(int tokens, int pairs, int max_pair_tokens, bool f16_weights) const {
    return guarded([&] {
      cappy::plan::Options options;
      options.linear_weights = f16_weights ? cappy::plan::WeightFormat::F16 : cappy::plan::WeightFormat::F32;
      const cappy::plan::Plan p = cappy::plan::build_plan(graph_, {tokens, pairs, max_pair_tokens}, options);
      return val(cappy::plan::plan_to_json(p, true));
    });
  }

  // Tokenizes and packs the pairs into the batches the core would run, for an
  // engine that runs the forward pass itself: [{members, ids, typeIds,
  // positions, offsets}], members[p] being the response index of pair p.
  val prepare(std::string instruction, val responses, int batch_size, int max_batch_tokens) const {
    return guarded([&] {
      if (batch_size < 1) throw cappy::Error("batch_size must be at least 1");
      if (max_batch_tokens < 0) throw cappy::Error("max_batch_tokens must be >= 0");
      const std::vector<std::string> texts = strings_of(responses);
      std::vector<cappy::Encoding> encodings;
      std::vector<std::size_t> lengths;
      for (std::size_t i = 0; i < texts.size(); ++i) {
        encodings.push_back(encode_named(instruction, texts[i], i));
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
        const cappy::PackedBatch b = cappy::pack_batch(members, spec_);
        val o = val::object();
        o.set("members", copy_array("Int32Array", indices));
        o.set("ids", copy_array("Int32Array", b.ids));
        o.set("typeIds", copy_array("Int32Array", b.type_ids));
        o.set("positions", copy_array("Int32Array", b.positions));
        o.set("offsets", copy_array("Int32Array", b.offsets));
        batches.call<void>("push", o);
      }
      return batches;
    });
  }

 private:
  // The scorer's own messages name the pair and side (via score()); here the
  // index is added the same way.
  cappy::Encoding encode_named(const std::string& instruction, const std::string& response,
                               std::size_t index) const {
    try {
      return scorer_->encode(instruction, response);
    } catch (const cappy::Error& e) {
      throw cappy::Error("pair " + std::to_string(index) + ": " + e.what());
    }
  }

  std::unique_ptr<cappy::Scorer> scorer_;
  cappy::ModelSpec spec_;
  cappy::Graph graph_;
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
  emscripten::class_<ModelLoader>("ModelLoader")
      .constructor<>()
      .function("reserve", &ModelLoader::reserve)
      .function("load", &ModelLoader::load)
      .function("loadBundle", &ModelLoader::load_bundle);
}
