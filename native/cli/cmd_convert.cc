// cappy convert: an HF checkpoint directory (safetensors, pytorch_model.bin or
// flax_model.msgpack) -> one self-contained bundle file (GGUF) with the
// weights in f32, f16, bf16 or q8 (GGML Q8_0), the config and the tokenizer.
#include <iostream>

#include "accuracy_report.h"
#include "commands.h"
#include "device_option.h"
#include "convert/converter.h"
#include "model/model_files.h"
#include "progress_bar.h"

namespace cappy::cli {

void add_convert_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "convert",
      "Convert an HF checkpoint directory (model.safetensors, pytorch_model.bin or "
      "flax_model.msgpack, with config.json and tokenizer files) into one bundle file that "
      "`--model` accepts everywhere (docs/bundle-format.md).");
  struct Args {
    std::string src, out, dtype = "f32", samples, keep_f16, q8_activations;
    bool report = false;
    int threads = 0;
    std::string device = "cpu";
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("SRC", args->src, "HF checkpoint directory")->required()->check(CLI::ExistingDirectory);
  cmd->add_option("-o,--output", args->out, "bundle file to write (e.g. model.cappy)")->required();
  cmd->add_option("--dtype", args->dtype,
                  "weight format: f32; f16 (matrices in half precision); q8 (linear layers and "
                  "word embeddings as int8 with a scale per 32 weights); bf16 (matrices in bfloat16, run "
                  "with AVX512_BF16 dot products where the CPU has them)")
      ->check(CLI::IsMember({"f32", "f16", "q8", "q8_0", "bf16"}));
  cmd->add_option("--keep-f16", args->keep_f16,
                  "with --dtype q8: tensors whose name matches this regular expression stay f16, "
                  "e.g. 'word_embeddings' (docs/accuracy.md)");
  cmd->add_option("--q8-activations", args->q8_activations,
                  "with --dtype q8: record in the bundle that the native CPU must quantize this "
                  "model's layer inputs to int16 (finer) or int8 (faster, the default where the CPU "
                  "has AVX-512 VNNI), for a model whose --report shows it needs int16 (docs/accuracy.md)")
      ->check(CLI::IsMember({"int8", "int16"}));
  cmd->add_flag("--report", args->report,
                "then score a sample set with the new bundle and with the f32 weights (built in "
                "memory) and print the accuracy report (as `cappy eval`)");
  cmd->add_option("--samples", args->samples, "sample set for --report (default: built-in)");
  cmd->add_option("--threads", args->threads, "CPU threads for --report (0 = all)")
      ->check(CLI::Range(0, 1024));
  add_device_option(*cmd, args->device);  // the new bundle's side of --report
  cmd->callback([args, &exit_code] {
    ConvertOptions options;
    parse_weight_format(args->dtype, &options.format);
    options.keep_f16 = args->keep_f16;
    options.q8_activations = args->q8_activations;
    ProgressBar bar("converting");
    options.progress = [&bar](std::size_t done, std::size_t total) { bar.update(done, total); };
    const ConvertSummary s = convert_checkpoint(args->src, args->out, options);
    if (bar.enabled()) bar.update(s.tensors, s.tensors);
    bar.finish();
    std::cerr << "wrote " << args->out << ": " << s.tensors << " tensors from " << s.source_format
              << " (" << s.q8_tensors << " q8_0, " << s.f16_tensors << " f16, " << s.f32_tensors
              << " f32";
    if (s.bf16_tensors) std::cerr << ", " << s.bf16_tensors << " bf16";
    std::cerr << ")";
    if (s.unused_tensors) std::cerr << ", " << s.unused_tensors << " unused source tensors left out";
    std::cerr << "; files:";
    for (const auto& f : s.embedded_files) std::cerr << " " << f;
    if (!args->q8_activations.empty()) std::cerr << "; q8 activations on the CPU: " << args->q8_activations;
    std::cerr << "\n";
    if (args->report) {
      const auto samples = load_eval_set(args->samples);
      LoadOptions lo;
      lo.threads = args->threads;
      // The reference: the same source at f32, as a bundle in memory.
      std::unique_ptr<Scorer> reference;
      {
        const auto files = directory_files(args->src);
        reference = Scorer::load_bundle(prepare_bundle(*files, {}, nullptr).write_memory(), lo);
      }
      lo.device = args->device;
      const auto candidate = Scorer::load(args->out, lo);
      print_report(evaluate(*reference, *candidate, samples, {}), args->src + " (f32)", args->out);
    }
    exit_code = kExitOk;
  });
}

}  // namespace cappy::cli
