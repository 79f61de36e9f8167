// Runs a libFuzzer entry point without libFuzzer (gcc builds): the seeds given on the command
// line, then deterministic byte mutations of them. Finds crashes/sanitizer errors in CI runs.
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

static const char kSpecial[] = "?&=$%{}[]\\\"/.:+#!";

int main(int argc, char** argv) {
  std::vector<std::string> seeds(argv + 1, argv + argc);
  std::mt19937 rng(42);
  size_t runs = 0;
  for (const auto& seed : seeds) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(seed.data()), seed.size());
    for (int i = 0; i < 2000; ++i, ++runs) {
      std::string s = seed;
      int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        size_t pos = s.empty() ? 0 : rng() % (s.size() + 1);
        switch (rng() % 3) {
          case 0:
            s.insert(pos, 1, static_cast<char>(rng() % 256));
            break;
          case 1:
            if (pos < s.size()) s.erase(pos, 1);
            break;
          default:
            if (pos < s.size()) s[pos] = kSpecial[rng() % (sizeof kSpecial - 1)];
            break;
        }
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    }
  }
  std::printf("%zu mutated inputs, no crash\n", runs);
  return 0;
}
