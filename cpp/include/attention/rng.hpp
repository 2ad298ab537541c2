// The seeded generator of the core and its tests: splitmix64, tiny, well mixed and the
// same numbers on every platform (the model's training and every test are reproducible).
#pragma once

#include <cstddef>
#include <cstdint>

namespace attention {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // uniform in [lo, hi)
  float uniform(float lo = -1.0f, float hi = 1.0f) { return lo + (hi - lo) * unit(); }
  // uniform in [-range, range), computed as range · (2u − 1) (the trained model's weights
  // were drawn this way; the rounding differs from uniform(-range, range))
  float symmetric(float range) { return range * (2.0f * unit() - 1.0f); }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  float unit() { return static_cast<float>((next() >> 40) * (1.0 / 16777216.0)); }
  std::uint64_t state_;
};

}  // namespace attention
