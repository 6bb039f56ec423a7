// Tokenization speed of the project's tokenizers and of libsentencepiece on
// the same texts, one thread, for scripts/bench-tokenizers.
//
//   cappy_tokenizer_bench CORPUS.jsonl [--repeat N] [--spm NAME=MODEL ...] [NAME=DIR[:MODEL_TYPE] ...]
//
// CORPUS.jsonl holds one JSON string per line. Each tokenizer encodes every
// text (no special tokens) N times after one warm-up pass; one JSON line per
// tokenizer: {"name", "texts", "bytes", "tokens", "seconds", "tokens_per_s"}.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cappy/cappy.h"
#include "tokenize/tokenizer.h"
#ifdef CAPPY_WITH_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

namespace {

using Encoder = std::function<std::size_t(const std::string&)>;  // returns the token count

void run(const std::string& name, const std::vector<std::string>& texts, int repeat, const Encoder& encode) {
  std::size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  for (const std::string& t : texts) encode(t);  // warm-up
  std::size_t tokens = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeat; ++r) {
    for (const std::string& t : texts) tokens += encode(t);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  nlohmann::json line = {{"name", name},         {"texts", texts.size() * repeat}, {"bytes", bytes * repeat},
                         {"tokens", tokens},     {"seconds", seconds},
                         {"tokens_per_s", static_cast<double>(tokens) / seconds}};
  std::cout << line.dump() << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: cappy_tokenizer_bench CORPUS.jsonl [--repeat N] [--spm NAME=MODEL ...] [NAME=DIR[:MODEL_TYPE] ...]\n";
    return 2;
  }
  try {
    std::vector<std::string> texts;
    {
      std::ifstream in(argv[1]);
      if (!in) throw cappy::Error(std::string(argv[1]) + ": cannot open");
      std::string line;
      while (std::getline(in, line)) {
        if (!line.empty()) texts.push_back(nlohmann::json::parse(line).get<std::string>());
      }
    }
    int repeat = 3;
    for (int i = 2; i < argc; ++i) {
      const std::string arg = argv[i];
      if (arg == "--repeat" && i + 1 < argc) {
        repeat = std::stoi(argv[++i]);
        continue;
      }
      const bool spm = arg == "--spm";
      const std::string spec = spm && i + 1 < argc ? argv[++i] : arg;
      const std::size_t eq = spec.find('=');
      if (eq == std::string::npos) throw cappy::Error("expected NAME=PATH, got " + spec);
      const std::string name = spec.substr(0, eq), path = spec.substr(eq + 1);
      if (spm) {
#ifdef CAPPY_WITH_SENTENCEPIECE
        sentencepiece::SentencePieceProcessor processor;
        if (!processor.Load(path).ok()) throw cappy::Error(path + ": not a sentencepiece model");
        std::vector<int> ids;
        run(name, texts, repeat, [&](const std::string& t) {
          processor.Encode(t, &ids);
          return ids.size();
        });
#else
        throw cappy::Error("built without sentencepiece");
#endif
        continue;
      }
      const std::size_t colon = path.rfind(':');
      const std::string dir = colon == std::string::npos ? path : path.substr(0, colon);
      const std::string model_type = colon == std::string::npos ? "" : path.substr(colon + 1);
      const cappy::LoadedTokenizer loaded = cappy::load_tokenizer(dir, model_type);
      run(name, texts, repeat, [&](const std::string& t) { return loaded.tokenizer->encode_ids(t).size(); });
    }
  } catch (const std::exception& e) {
    std::cerr << "cappy_tokenizer_bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
