#include <cstdio>

#include "haze_build_config.h"

int main() {
  std::printf("haze %s\n", HAZE_VERSION);
  return 0;
}
