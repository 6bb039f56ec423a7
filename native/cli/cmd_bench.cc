// cappy bench: pairs/s of the CPU backend on a model (random token ids, B
// pairs of S tokens), beside onnxruntime-node on the same model's ONNX export
// measured in the same run, and the forward pass's GFLOP/s beside one large
// XNNPACK GEMM's on this machine. With --device vulkan (or auto) the device's
// pairs/s are measured first and the CPU backend's beside them, on the same
// batch in the same run.
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "backend/backend_registry.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/f32_linear.h"
#include "batch/packed_batch.h"
#include "commands.h"
#include "device_option.h"
#include "random_model.h"
#include "model/bundle.h"
#include "model/config.h"
#include "model/graph.h"
#include "model/weight_store.h"
#include "util/mapped_file.h"

namespace cappy::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string model;
  int threads = 2;
  int batch = 16;
  int seq = 128;
  int iters = 3;
  bool run_ort = true;
  std::string node = "node";
  std::string device = "cpu";
  std::string shape;          // a random model of this shape instead of --model
  std::string dtype = "f32";  // its weights
};

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Median of `iters` timed calls after one warm-up call.
template <class F>
double median_seconds(int iters, F&& f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    auto t0 = Clock::now();
    f();
    t.push_back(seconds_since(t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

double forward_flops(const Graph& g, const PackedBatch& b) {
  double flops = 0;
  for (const Op& op : g.ops) {
    if (op.kind == OpKind::Linear) {
      const double rows = g.values[op.output].rows == Rows::Tokens ? b.tokens() : b.pairs();
      flops += 2.0 * rows * op.weights[0].shape[0] * op.weights[0].shape[1];
    } else if (op.kind == OpKind::Attention) {
      for (int p = 0; p < b.pairs(); ++p) {
        const double n = b.offsets[p + 1] - b.offsets[p];
        flops += 4.0 * n * n * op.heads * op.head_dim;
      }
    }
  }
  return flops;
}

// GFLOP/s of one f32 fully-connected layer M×K·K×N, the CPU's practical ceiling.
double gemm_gflops(int m, int k, int n, int threads, int iters) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.f, 0.02f);
  std::vector<float> w(static_cast<std::size_t>(k) * n), bias(n), in(static_cast<std::size_t>(m) * k + 16),
      out(static_cast<std::size_t>(m) * n);
  for (auto& x : w) x = dist(rng);
  for (auto& x : in) x = dist(rng);
  cpu::ThreadPool pool(threads);
  cpu::F32Linear fc(w.data(), bias.data(), k, n);
  double s = median_seconds(iters, [&] { fc.run(in.data(), m, out.data(), pool); });
  return 2.0 * m * k * n / s / 1e9;
}

nlohmann::json run_onnxruntime(const BenchOptions& o) {
  const std::string onnx = join_path(o.model, "model.onnx");
  if (!file_exists(onnx)) throw Error(onnx + ": missing (export it with tools/make_model.py --onnx)");
  const std::string cmd = o.node + " " + std::string(CAPPY_SOURCE_DIR) + "/tools/bench/ort_bench.mjs" +
                          " --model '" + onnx + "' --threads " + std::to_string(o.threads) +
                          " --batch " + std::to_string(o.batch) + " --seq " + std::to_string(o.seq) +
                          " --iters " + std::to_string(o.iters);
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) throw Error("cannot start: " + cmd);
  std::string output;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) output.append(buf, n);
  const int status = ::pclose(pipe);
  const auto last = output.find_last_of('{');
  if (status != 0 || last == std::string::npos)
    throw Error("onnxruntime benchmark failed (" + cmd + "): " + output);
  return nlohmann::json::parse(output.substr(last));
}

void run_bench(const BenchOptions& o) {
  // A bundle or a directory, or a random model made in memory.
  const auto files = o.shape.empty() ? open_model_files(o.model) : random_model(o.shape, o.dtype);
  const ModelSpec spec = parse_config(std::string(files->open("config.json").text()),
                                      files->origin("config.json"));
  if (o.seq < 3 || o.seq > spec.max_positions_for_tokens())
    throw Error("--seq must be in [3, " + std::to_string(spec.max_positions_for_tokens()) + "]");
  const Graph graph = build_encoder_graph(spec);

  auto t0 = Clock::now();
  std::unique_ptr<Backend> backend, device_backend;
  double device_load_s = 0;
  {
    WeightStore weights = WeightStore::open(*files);
    if (o.device != "cpu") {
      LoadOptions lo;
      lo.threads = o.threads;
      lo.device = o.device;
      device_backend = make_backend(graph, weights, lo);
      device_load_s = seconds_since(t0);
      t0 = Clock::now();
    }
    backend = make_cpu_backend(graph, weights, o.threads);
  }
  const double load_s = seconds_since(t0);

  // B pairs of S tokens: <s> random ids </s> (ids clear of the special tokens).
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> id(10, spec.vocab_size - 10);
  std::vector<Encoding> encs(o.batch);
  for (auto& e : encs) {
    e.ids.push_back(0);
    for (int i = 0; i < o.seq - 2; ++i) e.ids.push_back(id(rng));
    e.ids.push_back(2);
    e.type_ids.assign(e.ids.size(), 0);
  }
  std::vector<const Encoding*> ptrs;
  for (auto& e : encs) ptrs.push_back(&e);
  const PackedBatch batch = pack_batch(ptrs, spec);
  std::vector<float> logits(static_cast<std::size_t>(o.batch) * spec.num_labels);
  double device_s = 0;
  std::vector<float> device_logits(logits.size());
  if (device_backend)
    device_s = median_seconds(o.iters, [&] { device_backend->run(batch, device_logits.data()); });
  const double s = median_seconds(o.iters, [&] { backend->run(batch, logits.data()); });
  const double flops = forward_flops(graph, batch);
  const double gemm = gemm_gflops(o.batch * o.seq, spec.hidden_size, spec.intermediate_size,
                                  o.threads, o.iters);

  const std::string label = o.shape.empty() ? o.model : "random " + o.shape + " " + o.dtype;
  std::printf("model: %s (%s, %d layers, hidden %d), %d threads, batch %d x %d tokens\n",
              label.c_str(), spec.architecture.c_str(), spec.num_layers, spec.hidden_size,
              o.threads, o.batch, o.seq);
  std::printf("%-22s %10s %12s %10s\n", "engine", "pairs/s", "ms/batch", "GFLOP/s");
  if (device_backend)
    std::printf("%-22s %10.2f %12.1f %10.1f  (%s)\n", ("cappy " + o.device).c_str(), o.batch / device_s,
                device_s * 1e3, flops / device_s / 1e9, device_backend->name().c_str());
  std::printf("%-22s %10.2f %12.1f %10.1f\n", "cappy cpu (xnnpack)", o.batch / s, s * 1e3,
              flops / s / 1e9);
  if (device_backend) {
    double diff = 0;
    for (std::size_t i = 0; i < logits.size(); ++i) diff = std::max<double>(diff, std::abs(device_logits[i] - logits[i]));
    std::printf("ratio %s / cpu: %.2fx; max |%s - cpu| logit difference %.2g\n", o.device.c_str(),
                s / device_s, o.device.c_str(), diff);
  }
  if (o.run_ort) {
    nlohmann::json ort = run_onnxruntime(o);
    const double ort_pairs = ort.at("pairs_per_s").get<double>();
    const double ort_ms = ort.at("ms_per_batch").get<double>();
    std::printf("%-22s %10.2f %12.1f %10.1f\n",
                ("onnxruntime " + ort.value("version", std::string("?"))).c_str(), ort_pairs,
                ort_ms, flops / (ort_ms / 1e3) / 1e9);
    std::printf("ratio cappy / onnxruntime: %.2fx\n", (o.batch / s) / ort_pairs);
  }
  std::printf("one XNNPACK GEMM %dx%dx%d: %.1f GFLOP/s; the forward pass reaches %.0f%% of it\n",
              o.batch * o.seq, spec.hidden_size, spec.intermediate_size, gemm,
              100.0 * flops / s / 1e9 / gemm);
  std::printf("load (pack weights): %.1f s\n", load_s);
  if (device_backend) std::printf("load (%s: upload weights, build pipelines): %.1f s\n", o.device.c_str(), device_load_s);
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "bench",
      "Benchmark the CPU backend on a model directory beside onnxruntime-node (its model.onnx) "
      "in the same run; with --device vulkan, the GPU beside the CPU backend. Make a roberta-large-shaped random model with scripts/bench.");
  auto o = std::make_shared<BenchOptions>();
  auto* model = cmd->add_option("--model", o->model, "model directory with config.json, model.safetensors, model.onnx (or a bundle, with --no-ort)");
  cmd->add_option("--shape", o->shape,
                  "instead of --model: random weights of this shape, made in memory "
                  "(roberta-large, roberta-base, minilm-l6; no onnxruntime side)")
      ->excludes(model);
  cmd->add_option("--dtype", o->dtype, "weights of the --shape model: f32, f16 or q8 (a bundle in memory)")
      ->check(CLI::IsMember({"f32", "f16", "q8"}));
  cmd->add_option("--threads", o->threads, "threads for both engines")->check(CLI::Range(1, 1024));
  cmd->add_option("--batch", o->batch, "pairs per batch")->check(CLI::Range(1, 4096));
  cmd->add_option("--seq", o->seq, "tokens per pair")->check(CLI::Range(3, 1 << 16));
  cmd->add_option("--iters", o->iters, "timed iterations (median reported)")->check(CLI::Range(1, 1000));
  add_device_option(*cmd, o->device);
  cmd->add_flag("!--no-ort", o->run_ort, "skip onnxruntime");
  cmd->add_option("--node", o->node, "node executable for the onnxruntime side");
  cmd->callback([o, &exit_code] {
    if (o->model.empty() && o->shape.empty()) throw CLI::RequiredError("--model or --shape");
    if (!o->shape.empty()) o->run_ort = false;
    run_bench(*o);
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
