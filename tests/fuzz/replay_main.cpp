// Runs a fuzz entry point over built-in seeds and the files given on the command line, so the
// entry points are compiled and exercised by `meson test` without libFuzzer (gcc builds).
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  const char* seeds[] = {"", "all", "none\n-1\nall", "!h264,|>1mbps\n~1280x720,max<2mbps",
                         "99999999999999999999\n1e999mbps\n9999999999x9999999999",
                         ",,,|!~<>\n\n\n\n", "i0,i99,i-1,ich,6ch,surround,bframes"};
  for (const char* s : seeds)
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s), std::char_traits<char>::length(s));
  for (int i = 1; i < argc; ++i) {
    std::ifstream f(argv[i], std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  }
  std::puts("ok");
  return 0;
}
