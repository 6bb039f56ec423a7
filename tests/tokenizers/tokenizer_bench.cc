// Tokenization speed of the project's tokenizers and of libsentencepiece on
// the same texts, one thread, for scripts/bench-tokenizers.
//
//   cappy_tokenizer_bench CORPUS.jsonl [--repeat N] [--spm NAME=MODEL ...] [NAME=DIR[:MODEL_TYPE] ...]
//
// CORPUS.jsonl holds one JSON string per line. Each tokenizer encodes every
// text (no special tokens) once as a warm-up, then N times; the passes are
// interleaved (pass 1 of every tokenizer, then pass 2, ...) so that the load
// of a shared machine falls on all of them alike and their ratios hold. One
// JSON line per tokenizer: {"name", "texts", "bytes", "tokens", "seconds",
// "tokens_per_s"}.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
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

struct Contender {
  std::string name;
  std::unique_ptr<cappy::LoadedTokenizer> project;  // owns what `encode` uses
#ifdef CAPPY_WITH_SENTENCEPIECE
  std::unique_ptr<sentencepiece::SentencePieceProcessor> spm;
#endif
  Encoder encode;
  std::size_t tokens = 0;
  double seconds = 0;
};

std::size_t pass(const std::vector<std::string>& texts, const Encoder& encode) {
  std::size_t tokens = 0;
  for (const std::string& t : texts) tokens += encode(t);
  return tokens;
}

void run_all(std::vector<Contender>& contenders, const std::vector<std::string>& texts, int repeat) {
  for (Contender& c : contenders) pass(texts, c.encode);  // warm-up
  for (int r = 0; r < repeat; ++r) {
    for (Contender& c : contenders) {
      const auto start = std::chrono::steady_clock::now();
      c.tokens += pass(texts, c.encode);
      c.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  }
  std::size_t bytes = 0;
  for (const std::string& t : texts) bytes += t.size();
  for (const Contender& c : contenders) {
    nlohmann::json line = {{"name", c.name},         {"texts", texts.size() * repeat}, {"bytes", bytes * repeat},
                           {"tokens", c.tokens},     {"seconds", c.seconds},
                           {"tokens_per_s", static_cast<double>(c.tokens) / c.seconds}};
    std::cout << line.dump() << std::endl;
  }
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
    std::vector<Contender> contenders;
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
      Contender c;
      c.name = name;
      if (spm) {
#ifdef CAPPY_WITH_SENTENCEPIECE
        c.spm = std::make_unique<sentencepiece::SentencePieceProcessor>();
        if (!c.spm->Load(path).ok()) throw cappy::Error(path + ": not a sentencepiece model");
        c.encode = [processor = c.spm.get(), ids = std::vector<int>()](const std::string& t) mutable {
          processor->Encode(t, &ids);
          return ids.size();
        };
#else
        throw cappy::Error("built without sentencepiece");
#endif
      } else {
        const std::size_t colon = path.rfind(':');
        const std::string dir = colon == std::string::npos ? path : path.substr(0, colon);
        const std::string model_type = colon == std::string::npos ? "" : path.substr(colon + 1);
        c.project = std::make_unique<cappy::LoadedTokenizer>(cappy::load_tokenizer(dir, model_type));
        c.encode = [tokenizer = c.project->tokenizer.get()](const std::string& t) {
          return tokenizer->encode_ids(t).size();
        };
      }
      contenders.push_back(std::move(c));
    }
    run_all(contenders, texts, repeat);
  } catch (const std::exception& e) {
    std::cerr << "cappy_tokenizer_bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
