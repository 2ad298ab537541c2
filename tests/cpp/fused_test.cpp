// The fused kernel against the double reference's single head (reference::softmax_attention):
// awkward sizes around the tile shapes (R = 4 query rows, Bc = 64 keys, SIMD width W),
// causal and not, and its error cases.
#include "attention/fused.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "attention/error.hpp"
#include "support.hpp"

using attention::Causal;
using attention::FusedShape;

namespace {

std::vector<float> random_values(std::size_t count, support::Rng& rng, float range) {
  std::vector<float> out(count);
  for (float& x : out) x = rng.uniform(-range, range);
  return out;
}

// Every entry of the fused output within 2e-5 of the reference (the first one that is not,
// reported). Outputs are convex combinations of v (|v| <= 1); float error: a few ulp from
// each of dk products in a score (times its exp's sensitivity) and m terms of the sum.
void check_against(const std::vector<float>& out, const reference::Mat& want, std::size_t cols) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double w = want[i / cols][i % cols];
    if (!support::close(out[i], w, 2e-5)) {
      INFO("entry " << i << ": fused " << out[i] << ", reference " << w);
      CHECK(support::close(out[i], w, 2e-5));
      return;
    }
  }
}

}  // namespace

TEST_CASE("fused attention matches the double reference", "[fused]") {
  const std::size_t w = attention::kernels::batch_width();
  const std::size_t n = GENERATE(1, 3, 4, 5, 63, 64, 65, 130);
  const std::size_t m = GENERATE(1, 7, 64, 65, 129);
  const std::size_t dk = GENERATE_COPY(values<std::size_t>({1, w - 1, w + 1, 64}));
  const std::size_t dv = GENERATE_COPY(values<std::size_t>({1, 2 * w, 2 * w + 3, 64}));
  const bool causal = GENERATE(false, true);
  support::Rng rng(n * 1000003 + m * 1009 + dk * 31 + dv + (causal ? 7 : 0));
  const FusedShape s{n, m, dk, dv};
  // Scores up to about +-8: exp differences of e^16 exercise the online rescaling.
  const auto q = random_values(n * dk, rng, 1.5f), k = random_values(m * dk, rng, 1.5f),
             v = random_values(m * dv, rng, 1.0f);
  const double scale = 1.0 / std::sqrt(double(dk));
  std::vector<float> out(n * dv, std::numeric_limits<float>::quiet_NaN());
  attention::fused_attention(q.data(), k.data(), v.data(), out.data(), s, float(scale),
                             causal ? Causal::yes : Causal::no);
  const reference::Mat want = reference::softmax_attention(
      reference::from(q.data(), n, dk), reference::from(k.data(), m, dk), reference::from(v.data(), m, dv),
      scale, causal ? Causal::yes : Causal::no);
  INFO("n=" << n << " m=" << m << " dk=" << dk << " dv=" << dv << " causal=" << causal);
  check_against(out, want, dv);
}

// The rows of a slice (first_row, as the parallel path gives each worker) and a custom mask,
// through every way the fast path walks rows: groups of tiles side by side, single tiles and
// the remainder, with d = 64 (the fixed-size kernels) and an odd d.
TEST_CASE("fused attention with a slice of rows and a custom mask matches the double reference", "[fused]") {
  const std::size_t n = GENERATE(47, 48, 100, 130);
  const std::size_t m = GENERATE(65, 200);
  const std::size_t d = GENERATE(5, 64);
  const std::size_t first_row = GENERATE(0, 37);
  const bool causal = GENERATE(false, true);
  support::Rng rng(n * 7919 + m * 31 + d + first_row * 3 + (causal ? 1 : 0));
  const auto q = random_values(n * d, rng, 1.5f), k = random_values(m * d, rng, 1.5f),
             v = random_values(m * d, rng, 1.0f);
  // About a third of the keys blocked; key 0 kept, so every row sees at least one key.
  std::vector<unsigned char> keep(n * m);
  for (std::size_t i = 0; i < keep.size(); ++i) keep[i] = i % m == 0 || rng.uniform(0.0f, 1.0f) > 0.33f;
  const double scale = 1.0 / std::sqrt(double(d));
  std::vector<float> out(n * d, std::numeric_limits<float>::quiet_NaN());
  attention::fused_attention(q.data(), k.data(), v.data(), out.data(), FusedShape{n, m, d, d}, float(scale),
                             attention::FusedMask{causal ? Causal::yes : Causal::no, first_row, keep.data()});
  const auto visible = [&](std::size_t j, std::size_t key) {
    return (!causal || key <= first_row + j) && keep[j * m + key] != 0;
  };
  const reference::Mat want =
      reference::head(
          reference::from(q.data(), n, d), reference::from(k.data(), m, d), reference::from(v.data(), m, d),
          reference::multiply_nt(reference::from(q.data(), n, d), reference::from(k.data(), m, d)), scale,
          visible)
          .output;
  INFO("n=" << n << " m=" << m << " d=" << d << " first_row=" << first_row << " causal=" << causal);
  check_against(out, want, d);
}

TEST_CASE("fused attention stays finite for large scores", "[fused]") {
  const FusedShape s{9, 70, 4, 3};
  support::Rng rng(3);
  auto q = random_values(s.n * s.dk, rng, 100.0f), k = random_values(s.m * s.dk, rng, 100.0f);
  const auto v = random_values(s.m * s.dv, rng, 1.0f);
  std::vector<float> out(s.n * s.dv);
  attention::fused_attention(q.data(), k.data(), v.data(), out.data(), s, 1.0f, Causal::no);
  for (float x : out) CHECK(std::isfinite(x));
}

TEST_CASE("fused attention refuses bad arguments before working", "[fused][errors]") {
  std::vector<float> a(16, 0.5f), out(16);
  auto code_of = [&](FusedShape s, float scale) {
    try {
      attention::fused_attention(a.data(), a.data(), a.data(), out.data(), s, scale, Causal::no);
    } catch (const attention::AttentionError& e) {
      return e.code();
    }
    FAIL("no error");
    return attention::ErrorCode::bad_config;
  };
  CHECK(code_of({0, 4, 4, 4}, 1.0f) == attention::ErrorCode::bad_config);
  CHECK(code_of({4, 4, 4, 4}, std::numeric_limits<float>::infinity()) == attention::ErrorCode::non_finite);
  CHECK(code_of({attention::FusedLimits::max_rows + 1, 4, 4, 4}, 1.0f) == attention::ErrorCode::too_large);
  CHECK(code_of({1u << 19, 1u << 19, 1024, 4}, 1.0f) == attention::ErrorCode::too_large);  // ~4 GiB
  a[5] = std::numeric_limits<float>::quiet_NaN();
  CHECK(code_of({4, 4, 4, 4}, 1.0f) == attention::ErrorCode::non_finite);
}
