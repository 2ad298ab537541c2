// Each kernel against the double reference's pieces (reference.hpp), over sizes that
// exercise the SIMD main loop, the scalar tail and both together (1, 3, 7, W-1, W, W+1,
// 8W+2 for width W), read from deliberately misaligned addresses.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <cmath>
#include <limits>
#include <numeric>

#include "support.hpp"

using attention::kernels::batch_width;
namespace kernels = attention::kernels;
using support::close;
using support::Rng;

namespace {

// Inputs start one float past an aligned boundary so no kernel may assume alignment.
std::vector<float> random_values(std::size_t count, Rng& rng, float range = 1.0f) {
  std::vector<float> v(count + 1);
  for (float& x : v) x = rng.uniform(-range, range);
  return v;
}

// |entries|: the product of absolute values bounds the rounding of a float product.
reference::Mat absolute(reference::Mat m) {
  for (auto& row : m)
    for (double& x : row) x = std::fabs(x);
  return m;
}

}  // namespace

TEST_CASE("batch width is what the build targets", "[kernel]") {
  // 4 lanes of float in wasm SIMD128; 4 (SSE), 8 (AVX) or 16 (AVX-512) natively.
  const std::size_t w = batch_width();
  CHECK((w == 4 || w == 8 || w == 16));
}

TEST_CASE("matmul matches the double product", "[kernel][matmul]") {
  const auto sizes = support::awkward_sizes();
  const std::size_t n = GENERATE(1, 3);
  const std::size_t k = GENERATE_COPY(from_range(sizes));
  const std::size_t m = GENERATE_COPY(from_range(sizes));
  Rng rng(1000 + n * 7919 + k * 104729 + m);
  const auto a = random_values(n * k, rng), b = random_values(k * m, rng);
  std::vector<float> c(n * m + 1, -7.0f);
  kernels::matmul(a.data() + 1, b.data() + 1, c.data() + 1, n, k, m);
  CHECK(c[0] == -7.0f);  // nothing written before the output
  const auto A = reference::from(a.data() + 1, n, k), B = reference::from(b.data() + 1, k, m);
  const auto want = reference::multiply(A, B), magnitude = reference::multiply(absolute(A), absolute(B));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      // A float sum of k terms errs by at most about k * 2^-24 of the sum of their
      // magnitudes; 1e-6 * k covers that with room for FMA vs separate rounding.
      INFO("n=" << n << " k=" << k << " m=" << m << " at " << i << "," << j);
      CHECK(std::fabs(c[1 + i * m + j] - want[i][j]) <= 1e-6 * double(k) * std::max(magnitude[i][j], 1.0));
    }
  }
}

TEST_CASE("matmul_nt matches the double product with B transposed", "[kernel][matmul]") {
  const auto sizes = support::awkward_sizes();
  const std::size_t d = GENERATE_COPY(from_range(sizes));
  const std::size_t m = GENERATE(1, 2, 5);
  const std::size_t n = 3;
  Rng rng(2000 + d * 31 + m);
  const auto a = random_values(n * d, rng), b = random_values(m * d, rng);
  std::vector<float> c(n * m);
  kernels::matmul_nt(a.data() + 1, b.data() + 1, c.data(), n, m, d);
  const auto A = reference::from(a.data() + 1, n, d), B = reference::from(b.data() + 1, m, d);
  const auto want = reference::multiply_nt(A, B),
             magnitude = reference::multiply_nt(absolute(A), absolute(B));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      INFO("d=" << d << " at " << i << "," << j);
      // Same bound as matmul: d float roundings, each at most 2^-24 of the magnitude.
      CHECK(std::fabs(c[i * m + j] - want[i][j]) <= 1e-6 * double(d) * std::max(magnitude[i][j], 1.0));
    }
  }
}

TEST_CASE("additive_scores matches sum of va * tanh(q + k)", "[kernel][additive]") {
  const std::size_t d = GENERATE_COPY(from_range(support::awkward_sizes()));
  const std::size_t n = 2, m = 3;
  Rng rng(3000 + d);
  const auto a = random_values(n * d, rng, 2.0f), b = random_values(m * d, rng, 2.0f);
  const auto va = random_values(d, rng);
  std::vector<float> c(n * m);
  kernels::additive_scores(a.data() + 1, b.data() + 1, va.data() + 1, c.data(), n, m, d);
  const auto A = reference::from(a.data() + 1, n, d), B = reference::from(b.data() + 1, m, d);
  const auto want = reference::additive_scores(A, B, std::vector<double>(va.begin() + 1, va.end()));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) {
      // The tolerance's scale: the sum of the terms' magnitudes.
      double magnitude = 0.0;
      for (std::size_t p = 0; p < d; ++p)
        magnitude += std::fabs(double(va[1 + p]) * std::tanh(A[i][p] + B[j][p]));
      INFO("d=" << d << " at " << i << "," << j);
      // xsimd's tanh is accurate to a few ulp; the sum adds d roundings: 4e-6 per term.
      CHECK(std::fabs(c[i * m + j] - want[i][j]) <= 4e-6 * double(d) * std::max(magnitude, 1.0));
    }
  }
}

TEST_CASE("elementwise kernels: scale, add, apply_mask", "[kernel]") {
  const std::size_t len = GENERATE_COPY(from_range(support::awkward_sizes()));
  Rng rng(4000 + len);
  const auto x = random_values(len, rng, 10.0f), z = random_values(len, rng, 10.0f);
  std::vector<float> y(len);

  SECTION("scale multiplies every entry") {
    kernels::scale(x.data() + 1, 0.7071f, y.data(), len);
    // One float multiply: exact to half an ulp of the result.
    for (std::size_t i = 0; i < len; ++i) CHECK(y[i] == x[1 + i] * 0.7071f);
  }
  SECTION("add sums entry by entry") {
    kernels::add(x.data() + 1, z.data() + 1, y.data(), len);
    for (std::size_t i = 0; i < len; ++i) CHECK(y[i] == x[1 + i] + z[1 + i]);
  }
  SECTION("apply_mask keeps 1s and blocks 0s with -infinity") {
    std::vector<float> keep(len + 1);
    for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = (i % 3 == 0) ? 0.0f : 1.0f;
    kernels::apply_mask(x.data() + 1, keep.data() + 1, y.data(), len);
    for (std::size_t i = 0; i < len; ++i) {
      if (keep[1 + i] != 0.0f)
        CHECK(y[i] == x[1 + i]);
      else
        CHECK(y[i] == -std::numeric_limits<float>::infinity());
    }
  }
}

TEST_CASE("softmax_row", "[kernel][softmax]") {
  const std::size_t len = GENERATE_COPY(from_range(support::awkward_sizes()));
  Rng rng(5000 + len);
  const auto x = random_values(len, rng, 5.0f);
  std::vector<float> y(len);

  SECTION("matches the double formula and reports max and sum") {
    const auto stats = kernels::softmax_row(x.data() + 1, y.data(), len);
    const auto want = reference::softmax_row(std::vector<double>(x.begin() + 1, x.end()));
    CHECK(stats.max == float(want.max));
    // xsimd's exp is within a few ulp; summing len terms in double adds nothing visible.
    CHECK(close(stats.sum, want.sum, 1e-6));
    for (std::size_t i = 0; i < len; ++i) {
      // each weight: exp (few ulp) times 1/sum (one rounding): 2e-6 relative is ample.
      CHECK(close(y[i], want.weights[i], 2e-6));
    }
  }
  SECTION("rows sum to 1") {
    kernels::softmax_row(x.data() + 1, y.data(), len);
    const double total = std::accumulate(y.begin(), y.end(), 0.0);
    // len float roundings of values <= 1: within len * 2^-24.
    CHECK(std::fabs(total - 1.0) <= 1e-7 * double(len) + 1e-7);
  }
  SECTION("is invariant to shifting the row") {
    std::vector<float> shifted(len), y2(len);
    for (std::size_t i = 0; i < len; ++i) shifted[i] = x[1 + i] + 100.0f;
    kernels::softmax_row(x.data() + 1, y.data(), len);
    kernels::softmax_row(shifted.data(), y2.data(), len);
    // Adding 100 rounds each input to float again (ulp 2^-17 at 100), so weights move
    // by up to that much relatively: 1e-5.
    for (std::size_t i = 0; i < len; ++i) CHECK(close(y2[i], y[i], 1e-5));
  }
  SECTION("stays finite for scores of +-1e4") {
    std::vector<float> big(len);
    for (std::size_t i = 0; i < len; ++i) big[i] = (i % 2 == 0) ? 1e4f : -1e4f;
    const auto stats = kernels::softmax_row(big.data(), y.data(), len);
    CHECK(stats.max == 1e4f);
    double total = 0.0;
    for (float w : y) {
      CHECK(std::isfinite(w));
      total += w;
    }
    CHECK(std::fabs(total - 1.0) <= 1e-6);
  }
  SECTION("a fully blocked row gives zeros, not NaN") {
    std::vector<float> blocked(len, -std::numeric_limits<float>::infinity());
    const auto stats = kernels::softmax_row(blocked.data(), y.data(), len);
    CHECK(stats.sum == 0.0f);
    CHECK(stats.max == -std::numeric_limits<float>::infinity());
    for (float w : y) CHECK(w == 0.0f);
  }
  SECTION("blocked entries get exactly zero weight") {
    std::vector<float> part(x.begin() + 1, x.end());
    part[0] = -std::numeric_limits<float>::infinity();
    kernels::softmax_row(part.data(), y.data(), len);
    CHECK(y[0] == 0.0f);
  }
}
