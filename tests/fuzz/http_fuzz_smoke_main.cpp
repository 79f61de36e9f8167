// Runs a libFuzzer entry point without libFuzzer (any compiler): a few seed inputs plus
// fixed-seed byte mutations of them for |argv[1]| iterations. A crash or sanitizer report fails.
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 2000;
  std::vector<std::string> seeds = {
      R"({"addstream":{"a":{"source":"push://"}},"active_streams":["status","tracks"]})",
      R"({"streams":{"x":{"source":"push://"}},"deletestream":["x"],"clients":[{"fields":["host"]}]})",
      R"({"config":{"serverid":"s"},"variable_add":["n","v"],"variable_remove":"n","totals":{}})",
      R"({"authorize":{"username":"u","password":"p","new_username":"a","new_password":"b"}})",
      R"({"config_restore":{"streams":{}},"config_backup":1,"log":1,"capabilities":1})",
      "/json_live+abc.js", "/../../etc/passwd", "https://h.example:8443/p/",
      std::string("\x47\x40\x00\x30\x07\x40", 6) + std::string(182, '\xff'),
      std::string("\x00\x00\x00\x10moof\x00\x00\x00\x08traf", 16)};
  std::mt19937 rng(1234);
  for (const auto& s : seeds) LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  for (int i = 0; i < iterations; ++i) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 3) {
        case 0: s[pos] = static_cast<char>(rng()); break;
        case 1: s.erase(pos, 1 + rng() % 4); break;
        default: s.insert(pos, 1, "{}[]\",:0a"[rng() % 9]); break;
      }
    }
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  return 0;
}
