// Shared test helpers: a seeded generator (tests are deterministic) and comparisons
// against the double reference.
#pragma once

#include <catch2/catch_test_macros.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "attention/kernels.hpp"
#include "attention/rng.hpp"
#include "reference.hpp"

namespace support {

using attention::Rng;

inline attention::Matrix random_matrix(std::size_t rows, std::size_t cols, Rng& rng, float range = 1.0f) {
  attention::Matrix m(rows, cols);
  for (float& v : m.data) v = rng.uniform(-range, range);
  return m;
}

// Self-attention with random X, W_Q, W_K, W_V of the given sizes and default options.
inline attention::Config random_config(Rng& rng, std::size_t n, std::size_t d_model, std::size_t heads,
                                       std::size_t d_k, std::size_t d_v) {
  attention::Config c;
  c.x = random_matrix(n, d_model, rng);
  c.heads = heads;
  c.wq = random_matrix(d_model, heads * d_k, rng);
  c.wk = random_matrix(d_model, heads * d_k, rng);
  c.wv = random_matrix(d_model, heads * d_v, rng);
  return c;
}

inline std::vector<std::size_t> awkward_sizes() {
  const std::size_t w = attention::kernels::batch_width();
  return {1, 3, 7, w - 1, w, w + 1, 8 * w + 2};
}

// |got - want| <= tol * max(|want|, 1): relative for large values, absolute near zero.
inline bool close(double got, double want, double tol) {
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= tol * std::max(std::fabs(want), 1.0);
}

// Checks every entry and reports the first that differs, with its position.
inline void check_matrix(const attention::Matrix& got, const reference::Mat& want, double tol,
                         const std::string& what) {
  INFO(what);
  REQUIRE(got.rows == want.size());
  REQUIRE(got.cols == (want.empty() ? 0 : want[0].size()));
  for (std::size_t r = 0; r < got.rows; ++r) {
    for (std::size_t c = 0; c < got.cols; ++c) {
      const double g = got.at(r, c), w = want[r][c];
      if (!close(g, w, tol)) {
        INFO("entry [" << r << "][" << c << "]: engine " << g << ", reference " << w);
        CHECK(close(g, w, tol));
        return;
      }
    }
  }
  SUCCEED();
}

}  // namespace support
