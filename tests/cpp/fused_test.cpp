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

}  // namespace

TEST_CASE("fused attention matches the double reference", "[fused]") {
  const std::size_t w = attention::kernels::batch_width();
  const std::size_t n = GENERATE(1, 3, 4, 5, 63, 64, 65, 130);
  const std::size_t m = GENERATE(1, 7, 64, 65, 129);
  const std::size_t dk = GENERATE_COPY(values<std::size_t>({1, w - 1, w + 1, 64}));
  const std::size_t dv = GENERATE_COPY(values<std::size_t>({1, 2 * w, 2 * w + 3}));
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
  for (std::size_t i = 0; i < n * dv; ++i) {
    // Outputs are convex combinations of v (|v| <= 1); float error: a few ulp from each
    // of dk products in a score (times its exp's sensitivity) and m terms of the sum.
    const double w = want[i / dv][i % dv];
    if (!support::close(out[i], w, 2e-5)) {
      INFO("entry " << i << ": fused " << out[i] << ", reference " << w);
      CHECK(support::close(out[i], w, 2e-5));
      break;
    }
  }
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
