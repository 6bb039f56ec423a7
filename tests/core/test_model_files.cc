// Loading from files held in memory (the WebAssembly route) gives the same
// scores as loading the directory, and bad file sets fail with clear errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "cappy/cappy.h"
#include "model/model_files.h"
#include "test_support.h"

namespace cappy {
namespace {

std::vector<ModelFile> fixture_files(const std::string& fixture) {
  std::vector<ModelFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(CAPPY_FIXTURES_DIR) + "/" + fixture)) {
    const std::string name = entry.path().filename().string();
    if (name == "model.onnx" || name.ends_with(".py") || name.ends_with(".md")) continue;
    const std::string bytes = test::read_file(entry.path().string());
    files.push_back({name, std::vector<std::uint8_t>(bytes.begin(), bytes.end())});
  }
  return files;
}

std::string load_files_error(std::vector<ModelFile> files) {
  try {
    Scorer::load_files(std::move(files));
  } catch (const Error& e) {
    return e.what();
  }
  return "(loaded without error)";
}

TEST(ModelFiles, MemoryLoadScoresLikeTheDirectory) {
  for (const char* fixture : {"tiny-roberta", "tiny-bert"}) {
    auto from_dir = Scorer::load(std::string(CAPPY_FIXTURES_DIR) + "/" + fixture);
    auto from_memory = Scorer::load_files(fixture_files(fixture));
    EXPECT_EQ(from_memory->info().source, "memory");
    const std::vector<std::string> responses = {"Paris", "A longer answer, with punctuation!", ""};
    const auto a = from_dir->score("Name the capital of France.", responses);
    const auto b = from_memory->score("Name the capital of France.", responses);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i], b[i]) << fixture << " response " << i;
  }
}

TEST(ModelFiles, MemoryLoadErrorsNameTheFile) {
  auto files = fixture_files("tiny-roberta");
  std::erase_if(files, [](const ModelFile& f) { return f.name == "config.json"; });
  EXPECT_NE(load_files_error(files).find("memory: not a model (no config.json)"), std::string::npos);

  files = fixture_files("tiny-roberta");
  for (auto& f : files)
    if (f.name == "tokenizer.json") f.bytes.resize(f.bytes.size() / 2);
  EXPECT_NE(load_files_error(files).find("memory:tokenizer.json: malformed JSON"), std::string::npos);

  files = fixture_files("tiny-roberta");
  files.push_back(files.front());
  EXPECT_NE(load_files_error(files).find("given twice"), std::string::npos);

  files = fixture_files("tiny-roberta");
  files.push_back({"../config.json", {}});
  EXPECT_NE(load_files_error(files).find("must be a plain file name"), std::string::npos);

  files = fixture_files("tiny-roberta");
  std::erase_if(files, [](const ModelFile& f) { return f.name == "model.safetensors"; });
  EXPECT_NE(load_files_error(files).find("memory: no model.safetensors"), std::string::npos);
}

TEST(ModelFiles, DirectoryFilesNameTheirPaths) {
  const std::string dir = std::string(CAPPY_FIXTURES_DIR) + "/tiny-bert";
  auto files = directory_files(dir);
  EXPECT_TRUE(files->has("config.json"));
  EXPECT_FALSE(files->has("tokenizer.model"));
  EXPECT_EQ(files->origin("vocab.txt"), dir + "/vocab.txt");
  EXPECT_EQ(files->open("vocab.txt").text().substr(0, 5), "[PAD]");
  EXPECT_THROW(files->open("missing.json"), Error);
}

}  // namespace
}  // namespace cappy
