// cappy bench: pairs/s of the CPU backend on a model (random token ids, B
// pairs of S tokens, or of the lengths --lengths lists), beside
// onnxruntime-node on the same model's ONNX export (it pads every pair to the
// longest, as a scorer feeding it would; cappy packs them), other weight files
// of the same model (--also, e.g. the q8 bundle), and the forward pass's
// GFLOP/s beside one large GEMM's on this machine (the f32 GEMM, and the q8
// kernel for q8 weights). The engines run in rounds, each once per round, so
// that on a shared machine they see about the same load: the ratios to
// onnxruntime are per round. With --device vulkan (or auto) the device runs
// beside the CPU backend on the same batch. --shape benchmarks a random model
// made in memory instead of --model.
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "backend/backend.h"
#include "backend/backend_registry.h"
#include "backend/cpu/thread_pool.h"
#include "backend/cpu/f32_linear.h"
#include "backend/cpu/linear_compact.h"
#include "batch/packed_batch.h"
#include "commands.h"
#include "device_option.h"
#include "line_process.h"
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
  std::vector<int> lengths;       // pair i has lengths[i % n] tokens (instead of --seq)
  std::vector<std::string> also;  // more weight files of the same model
};

// Tokens of pair i (what both engines get).
int pair_length(const BenchOptions& o, int i) {
  return o.lengths.empty() ? o.seq : o.lengths[static_cast<std::size_t>(i) % o.lengths.size()];
}

// onnxruntime pads to the longest pair (ort_bench.mjs caps lengths at --seq).
int longest_pair(const BenchOptions& o) {
  return o.lengths.empty() ? o.seq : *std::max_element(o.lengths.begin(), o.lengths.end());
}

std::string lengths_text(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ",") + std::to_string(x);
  return s;
}

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

// onnxruntime-node on the model's ONNX export, loaded and warmed up, waiting
// for "run" lines (ort_bench.mjs --interleave); `info` gets its first line.
std::unique_ptr<LineProcess> start_onnxruntime(const BenchOptions& o, nlohmann::json& info) {
  const std::string onnx = join_path(o.model, "model.onnx");
  if (!file_exists(onnx)) throw Error(onnx + ": missing (export it with tools/make_model.py --onnx)");
  std::vector<std::string> argv = {o.node, std::string(CAPPY_SOURCE_DIR) + "/tools/bench/ort_bench.mjs",
                                   "--model", onnx, "--threads", std::to_string(o.threads),
                                   "--batch", std::to_string(o.batch), "--seq", std::to_string(longest_pair(o)),
                                   "--interleave"};
  if (!o.lengths.empty()) {
    argv.push_back("--lengths");
    argv.push_back(lengths_text(o.lengths));
  }
  auto ort = std::make_unique<LineProcess>(argv);
  const std::string line = ort->read_line();
  info = nlohmann::json::parse(line, nullptr, false);
  if (info.is_discarded() || !info.value("ready", false))
    throw Error("onnxruntime benchmark: unexpected answer: " + line);
  return ort;
}

// Milliseconds of one onnxruntime run.
double run_onnxruntime_once(LineProcess& ort) {
  ort.send_line("run");
  const std::string line = ort.read_line();
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.contains("ms")) throw Error("onnxruntime benchmark: unexpected answer: " + line);
  return j.at("ms").get<double>();
}

// GFLOP/s of one Q8_0 linear layer M×K·K×N (random weights) on the kernel
// the backend picks for q8 (default_q8_kernel()).
double q8_gemm_gflops(int m, int k, int n, int threads, int iters) {
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.f, 0.02f);
  const std::size_t row_bytes = static_cast<std::size_t>(k / 32) * kQ8BlockBytes;
  auto bytes = std::make_shared<std::vector<std::uint8_t>>(static_cast<std::size_t>(n) * row_bytes);
  std::vector<float> v(kQ8BlockElems);
  for (std::size_t b = 0; b < bytes->size() / kQ8BlockBytes; ++b) {
    for (auto& x : v) x = dist(rng);
    quantize_q8_block(v.data(), bytes->data() + b * kQ8BlockBytes);
  }
  std::vector<const std::uint8_t*> rows;
  for (int j = 0; j < n; ++j) rows.push_back(bytes->data() + j * row_bytes);
  cpu::CompactLinear fc(DType::Q8_0, rows, std::vector<float>(n), k, bytes);
  std::vector<float> in(static_cast<std::size_t>(m) * k + 16), out(static_cast<std::size_t>(m) * n);
  for (auto& x : in) x = dist(rng);
  cpu::ThreadPool pool(threads);
  const double s = median_seconds(iters, [&] { fc.run(in.data(), m, out.data(), pool); });
  return 2.0 * m * k * n / s / 1e9;
}

// Whether any linear weight of the model is stored as `dtype`.
bool has_linear_weights(const WeightStore& store, const Graph& graph, DType dtype) {
  for (const Op& op : graph.ops)
    if (op.kind == OpKind::Linear) {
      std::vector<std::int64_t> part = op.weights[0].shape;
      part[0] /= static_cast<std::int64_t>(op.weights[0].parts.size());
      if (store.get(op.weights[0].parts[0], part).dtype == dtype) return true;
    }
  return false;
}
bool has_q8_weights(const WeightStore& store, const Graph& graph) {
  return has_linear_weights(store, graph, DType::Q8_0);
}

// One of cappy's engines on the batch: a backend loaded from one weight file.
struct Engine {
  std::string label;
  std::unique_ptr<Backend> backend;
  double load_s = 0;
  bool q8 = false;
  bool on_cpu = true;          // the GEMM probes measure the CPU's peak only
  std::vector<double> seconds;  // one per round
  std::vector<float> logits;
};

// Loads the weights of `files` (named `name`; the same shapes as `spec`) on
// `device` ("cpu", or what --device names).
Engine load_engine(const ModelFiles& files, const std::string& name, const std::string& device,
                   const ModelSpec& spec, const Graph& graph, const BenchOptions& o) {
  const ModelSpec other = parse_config(std::string(files.open("config.json").text()),
                                       files.origin("config.json"));
  if (other.hidden_size != spec.hidden_size || other.num_layers != spec.num_layers ||
      other.vocab_size != spec.vocab_size || other.intermediate_size != spec.intermediate_size)
    throw Error(name + ": not the same model shapes as " + o.model);
  Engine e;
  e.on_cpu = device == "cpu";
  const auto t0 = Clock::now();
  bool bf16 = false;
  {
    WeightStore weights = WeightStore::open(files);
    e.q8 = has_q8_weights(weights, graph);
    bf16 = has_linear_weights(weights, graph, DType::BF16);
    if (e.on_cpu) {
      e.backend = make_cpu_backend(graph, weights, o.threads);
    } else {
      LoadOptions lo;
      lo.threads = o.threads;
      lo.device = device;
      e.backend = make_backend(graph, weights, lo);
    }
  }
  e.load_s = seconds_since(t0);
  if (!e.on_cpu)
    e.label = "cappy " + device + " (" + e.backend->name() + ")";
  else
    e.label = "cappy " + std::string(e.q8 ? "q8 (" + std::string(cpu::q8_kernel_name(cpu::default_q8_kernel())) + ")"
                                     : bf16 ? "bf16 (" + std::string(cpu::bf16_kernel_name(cpu::default_bf16_kernel())) + ")"
                                          : "cpu f32 (" + std::string(cpu::f32_gemm_name(cpu::default_f32_gemm())) + ")");
  e.label += ": " + name;
  e.logits.resize(static_cast<std::size_t>(spec.num_labels) * static_cast<std::size_t>(o.batch));
  return e;
}

// A pause between two engines' runs: the thread pools of both (pthreadpool's
// and onnxruntime's) spin for a while after a run before they sleep, and on
// a machine with as many cores as threads that spinning would slow the next
// engine's run.
void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(300)); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void run_bench(const BenchOptions& o) {
  // A bundle or a directory, or a random model made in memory.
  const auto files = o.shape.empty() ? open_model_files(o.model) : random_model(o.shape, o.dtype);
  const std::string name = o.shape.empty() ? o.model : "random " + o.shape + " " + o.dtype;
  const ModelSpec spec = parse_config(std::string(files->open("config.json").text()),
                                      files->origin("config.json"));
  const int max_len = static_cast<int>(spec.max_positions_for_tokens());
  if (o.seq < 3 || o.seq > max_len) throw Error("--seq must be in [3, " + std::to_string(max_len) + "]");
  for (int l : o.lengths)
    if (l < 3 || l > max_len) throw Error("--lengths: every length must be in [3, " + std::to_string(max_len) + "]");
  const Graph graph = build_encoder_graph(spec);

  // B pairs: <s> random ids </s> (ids clear of the special tokens).
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> id(10, spec.vocab_size - 10);
  std::vector<Encoding> encs(o.batch);
  int longest = 0;
  for (int i = 0; i < o.batch; ++i) {
    Encoding& e = encs[i];
    e.ids.push_back(0);
    for (int t = 0; t < pair_length(o, i) - 2; ++t) e.ids.push_back(id(rng));
    e.ids.push_back(2);
    e.type_ids.assign(e.ids.size(), 0);
    longest = std::max(longest, pair_length(o, i));
  }
  std::vector<const Encoding*> ptrs;
  for (auto& e : encs) ptrs.push_back(&e);
  const PackedBatch batch = pack_batch(ptrs, spec);

  std::vector<Engine> engines;
  if (o.device != "cpu") engines.push_back(load_engine(*files, name, o.device, spec, graph, o));
  engines.push_back(load_engine(*files, name, "cpu", spec, graph, o));
  for (const std::string& m : o.also) engines.push_back(load_engine(*open_model_files(m), m, "cpu", spec, graph, o));
  nlohmann::json ort_info;
  std::unique_ptr<LineProcess> ort;
  if (o.run_ort) ort = start_onnxruntime(o, ort_info);

  // Rounds: each engine once, then onnxruntime once, so that on a shared
  // machine every engine sees about the same load; the ratios are per round.
  for (Engine& e : engines) e.backend->run(batch, e.logits.data());  // warm-up
  std::vector<double> ort_seconds;
  for (int round = 0; round < o.iters; ++round) {
    for (Engine& e : engines) {
      settle();
      const auto t0 = Clock::now();
      e.backend->run(batch, e.logits.data());
      e.seconds.push_back(seconds_since(t0));
    }
    if (ort) {
      settle();
      ort_seconds.push_back(run_onnxruntime_once(*ort) / 1e3);
    }
  }
  ort.reset();

  const double flops = forward_flops(graph, batch);
  const double gemm = gemm_gflops(batch.tokens(), spec.hidden_size, spec.intermediate_size, o.threads, o.iters);
  bool any_q8 = false;
  for (const Engine& e : engines) any_q8 = any_q8 || e.q8;
  const double q8_gemm =
      any_q8 ? q8_gemm_gflops(batch.tokens(), spec.hidden_size, spec.intermediate_size, o.threads, o.iters) : 0;

  std::printf("model: %s (%s, %d layers, hidden %d), %d threads, %d pairs, %d tokens (longest %d)\n",
              name.c_str(), spec.architecture.c_str(), spec.num_layers, spec.hidden_size,
              o.threads, o.batch, batch.tokens(), longest);
  if (!o.lengths.empty()) std::printf("pair lengths: %s\n", lengths_text(o.lengths).c_str());
  std::printf("%d rounds (each engine once per round, one after another); medians over the rounds\n", o.iters);
  std::printf("GFLOP/s counts the packed work (%.1f GFLOP per batch) for every engine\n", flops / 1e9);
  std::printf("%-60s %10s %12s %10s %8s\n", "engine", "pairs/s", "ms/batch", "GFLOP/s", "load s");
  const auto row = [&](const std::string& label, double s, double load_s) {
    std::printf("%-60s %10.2f %12.1f %10.1f %8.1f\n", label.c_str(), o.batch / s, s * 1e3, flops / s / 1e9, load_s);
  };
  if (!ort_seconds.empty())
    row("onnxruntime-node " + ort_info.value("version", std::string("?")) + " f32 (padded to " +
            std::to_string(ort_info.value("seq", 0)) + ")",
        median(ort_seconds), ort_info.value("load_ms", 0.0) / 1e3);
  for (const Engine& e : engines) row(e.label, median(e.seconds), e.load_s);
  for (const Engine& e : engines) {
    if (!ort_seconds.empty()) {
      std::vector<double> ratios;
      for (std::size_t r = 0; r < ort_seconds.size(); ++r) ratios.push_back(ort_seconds[r] / e.seconds[r]);
      std::printf("ratio %s / onnxruntime: %.2fx (median of %zu rounds; range %.2f-%.2f)\n", e.label.c_str(),
                  median(ratios), ratios.size(), *std::min_element(ratios.begin(), ratios.end()),
                  *std::max_element(ratios.begin(), ratios.end()));
    }
    if (!e.on_cpu) continue;
    const double peak = e.q8 ? q8_gemm : gemm;
    std::printf("  %s: the forward pass reaches %.0f%% of one %s GEMM %dx%dx%d (%.1f GFLOP/s)\n",
                e.label.c_str(), 100.0 * flops / median(e.seconds) / 1e9 / peak, e.q8 ? "q8" : (std::string(cpu::f32_gemm_name(cpu::default_f32_gemm())) + " f32").c_str(),
                batch.tokens(), spec.hidden_size, spec.intermediate_size, peak);
  }
  if (o.device != "cpu") {
    // engines[0] is the device, engines[1] the CPU backend on the same weights.
    double diff = 0;
    for (std::size_t i = 0; i < engines[0].logits.size(); ++i)
      diff = std::max<double>(diff, std::abs(engines[0].logits[i] - engines[1].logits[i]));
    std::printf("ratio %s / cpu: %.2fx; max |%s - cpu| logit difference %.2g\n", o.device.c_str(),
                median(engines[1].seconds) / median(engines[0].seconds), o.device.c_str(), diff);
  }
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
  cmd->add_option("--dtype", o->dtype, "weights of the --shape model: f32, f16, bf16 or q8 (a bundle in memory)")
      ->check(CLI::IsMember({"f32", "f16", "q8", "bf16"}));
  cmd->add_option("--threads", o->threads, "threads for both engines")->check(CLI::Range(1, 1024));
  cmd->add_option("--batch", o->batch, "pairs per batch")->check(CLI::Range(1, 4096));
  cmd->add_option("--seq", o->seq, "tokens per pair")->check(CLI::Range(3, 1 << 16));
  cmd->add_option("--iters", o->iters, "timed iterations (median reported)")->check(CLI::Range(1, 1000));
  add_device_option(*cmd, o->device);
  cmd->add_flag("!--no-ort", o->run_ort, "skip onnxruntime");
  cmd->add_option("--node", o->node, "node executable for the onnxruntime side");
  cmd->add_option("--lengths", o->lengths,
                  "tokens of each pair, comma-separated (pair i gets the (i mod n)-th; replaces --seq); "
                  "onnxruntime pads them to the longest")
      ->delimiter(',');
  cmd->add_option("--also", o->also,
                  "more weight files of the same model (e.g. its f16/q8 bundles), timed on the same batch")
      ->delimiter(',');
  cmd->callback([o, &exit_code] {
    if (o->model.empty() && o->shape.empty()) throw CLI::RequiredError("--model or --shape");
    if (!o->shape.empty()) o->run_ort = false;
    run_bench(*o);
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
