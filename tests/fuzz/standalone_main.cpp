// Standalone driver for libFuzzer entry points, so g++ builds can run them as ordinary tests:
// runs the target over every file in the corpus directory (argv[1]), then over pseudo-random
// mutations of those files with a fixed seed (argv[2] iterations, default 3000).
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(const std::string& dir) {
  std::vector<std::string> files;
  DIR* d = opendir(dir.c_str());
  if (!d) return files;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream f(dir + "/" + e->d_name, std::ios::binary);
    files.emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  closedir(d);
  return files;
}

std::string Mutate(std::string s, std::mt19937& rng) {
  int edits = 1 + int(rng() % 8);
  for (int i = 0; i < edits; ++i) {
    size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 6) {
      case 0:
        if (!s.empty()) s[pos] = char(s[pos] ^ (1u << (rng() % 8)));
        break;
      case 1:
        if (!s.empty()) s[pos] = char(rng());
        break;
      case 2:
        s.insert(s.begin() + long(pos), char(rng()));
        break;
      case 3:
        if (!s.empty()) s.erase(pos, 1 + rng() % 16);
        break;
      case 4:
        s.resize(pos);
        break;
      case 5: {  // interesting values
        static const char kVals[] = {'\0', '\x7f', '\x80', '\xff'};
        if (!s.empty()) s[pos] = kVals[rng() % 4];
        break;
      }
    }
  }
  return s;
}

void Run(const std::string& s) { LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size()); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  std::vector<std::string> corpus = ReadCorpus(argv[1]);
  long iterations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 3000;
  for (const auto& s : corpus) Run(s);
  Run("");
  std::mt19937 rng(12345);
  for (long i = 0; i < iterations; ++i) {
    std::string base = corpus.empty() ? std::string() : corpus[rng() % corpus.size()];
    Run(Mutate(std::move(base), rng));
  }
  std::printf("%zu corpus files, %ld mutations: ok\n", corpus.size(), iterations);
  return 0;
}
