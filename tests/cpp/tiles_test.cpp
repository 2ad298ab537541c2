// The traced fused kernel (fused_attention_traced): the same run_tile as fused_attention with
// small, caller-chosen blocks. Its output against fused_attention (bit for bit with the fast
// path's 64-key blocks) and the double reference, over awkward sizes, block sizes that do not
// divide n or m, and every kind of mask; each recorded step against its definition.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "attention/error.hpp"
#include "attention/fused.hpp"
#include "support.hpp"

using attention::Causal;
using attention::FusedMask;
using attention::FusedShape;
using attention::TileBlocks;

namespace {

enum class MaskKind { none, causal, custom };

std::vector<float> random_values(std::size_t count, support::Rng& rng, float range) {
  std::vector<float> out(count);
  for (float& x : out) x = rng.uniform(-range, range);
  return out;
}

// About a third of the keys blocked, and row 1 (when there is one) blocked entirely: its
// output must be zero, never NaN.
std::vector<unsigned char> random_keep(std::size_t n, std::size_t m, support::Rng& rng) {
  std::vector<unsigned char> keep(n * m);
  for (auto& f : keep) f = rng.uniform(0.0f, 1.0f) < 0.35f ? 0 : 1;
  if (n > 1)
    for (std::size_t j = 0; j < m; ++j) keep[m + j] = 0;
  return keep;
}

}  // namespace

TEST_CASE("traced fused kernel equals fused_attention and the double reference", "[fused][tiles]") {
  const std::size_t w = attention::kernels::batch_width();
  const std::size_t n = GENERATE(1, 3, 7, 9, 17);
  const std::size_t m = GENERATE_COPY(values<std::size_t>({1, 3, 7, 2 * w + 1, 65}));
  const std::size_t block_rows = GENERATE(1, 2, 3, 4);
  const std::size_t block_cols =
      GENERATE_COPY(values<std::size_t>({1, 2, 3, 2 * w - 1, 2 * w, 2 * w + 1, 64}));
  const MaskKind kind = GENERATE(MaskKind::none, MaskKind::causal, MaskKind::custom);
  const std::size_t dk = GENERATE_COPY(values<std::size_t>({1, w + 1}));
  const std::size_t dv = GENERATE_COPY(values<std::size_t>({1, 2 * w + 3}));
  support::Rng rng(n * 7919 + m * 104729 + block_rows * 31 + block_cols * 131 + dk * 17 + dv +
                   static_cast<std::size_t>(kind));
  const FusedShape s{n, m, dk, dv};
  // Scores up to about +-8: the running max moves by e^16 between blocks.
  const auto q = random_values(n * dk, rng, 1.5f), k = random_values(m * dk, rng, 1.5f),
             v = random_values(m * dv, rng, 1.0f);
  const auto keep = random_keep(n, m, rng);
  FusedMask mask;
  mask.causal = kind == MaskKind::causal ? Causal::yes : Causal::no;
  if (kind == MaskKind::custom) mask.keep = keep.data();
  const float scale = 1.0f / std::sqrt(float(dk));
  INFO("n=" << n << " m=" << m << " blocks=" << block_rows << "x" << block_cols << " mask=" << int(kind)
            << " dk=" << dk << " dv=" << dv);

  const attention::TiledTrace trace = attention::fused_attention_traced(
      q.data(), k.data(), v.data(), s, scale, mask, {block_rows, block_cols});
  std::vector<float> fused(n * dv, std::numeric_limits<float>::quiet_NaN());
  attention::fused_attention(q.data(), k.data(), v.data(), fused.data(), s, scale, mask);

  const reference::Keep keeps =
      kind == MaskKind::causal ? reference::Keep(reference::keep_causal)
      : kind == MaskKind::custom
          ? reference::Keep([&](std::size_t j, std::size_t kk) { return keep[j * m + kk] != 0; })
          : reference::Keep(reference::keep_all);
  const reference::Mat qd = reference::from(q.data(), n, dk);
  const reference::Mat kd = reference::from(k.data(), m, dk);
  const reference::Head want =
      reference::head(qd, kd, reference::from(v.data(), m, dv), reference::multiply_nt(qd, kd), scale, keeps);

  SECTION("the output") {
    REQUIRE(trace.out.size() == n * dv);
    for (std::size_t i = 0; i < n * dv; ++i) {
      // Convex combinations of v (|v| <= 1): a few ulp per product and per term of the sums,
      // and other blocks round the running max and sum at other points than the fast path.
      const double expected = want.output[i / dv][i % dv];
      if (!support::close(trace.out[i], expected, 2e-5) || !support::close(trace.out[i], fused[i], 2e-5)) {
        INFO("entry " << i << ": traced " << trace.out[i] << ", fused " << fused[i] << ", reference "
                      << expected);
        CHECK(support::close(trace.out[i], expected, 2e-5));
        CHECK(support::close(trace.out[i], fused[i], 2e-5));
        break;
      }
    }
    // With the fast path's own 64-key blocks, the traced kernel is the fast path: equal bit
    // for bit whatever the rows per block (each row's arithmetic does not depend on them).
    if (block_cols == 64) {
      for (std::size_t i = 0; i < n * dv; ++i) {
        if (trace.out[i] != fused[i]) {
          INFO("entry " << i << ": traced " << trace.out[i] << ", fused " << fused[i]);
          CHECK(trace.out[i] == fused[i]);
          break;
        }
      }
    }
  }

  SECTION("every step, in the kernel's order") {
    std::size_t expected_steps = 0;
    for (std::size_t r0 = 0; r0 < n; r0 += block_rows) {
      const std::size_t rows = std::min(block_rows, n - r0);
      const std::size_t key_end = kind == MaskKind::causal ? std::min(m, r0 + rows) : m;
      expected_steps += (key_end + block_cols - 1) / block_cols;
    }
    REQUIRE(trace.steps.size() == expected_steps);
    std::vector<double> last_sum(n, 0.0);
    std::vector<const attention::TileStep*> last(n, nullptr);
    std::size_t index = 0;
    for (std::size_t r0 = 0; r0 < n; r0 += block_rows) {
      for (std::size_t c0 = 0; index < trace.steps.size() && trace.steps[index].row0 == r0;
           c0 += block_cols) {
        const attention::TileStep& st = trace.steps[index++];
        INFO("step " << index - 1 << " rows " << st.row0 << "+" << st.rows << " keys " << st.col0 << "+"
                     << st.cols);
        REQUIRE(st.col0 == c0);
        REQUIRE(st.rows == std::min(block_rows, n - r0));
        REQUIRE(st.scores.size() == st.rows * st.cols);
        REQUIRE(st.p.size() == st.rows * st.cols);
        REQUIRE(st.acc.size() == st.rows * dv);
        for (std::size_t r = 0; r < st.rows; ++r) {
          const std::size_t row = st.row0 + r;
          double block_max = -std::numeric_limits<double>::infinity();
          for (std::size_t j = 0; j < st.cols; ++j) {
            const double want_score = want.masked[row][st.col0 + j];
            const float got = st.scores[r * st.cols + j];
            // scale * q.k with q scaled first: a few ulp of |scores| <= 8 apart from the reference.
            CHECK(support::close(got, want_score, 1e-5));
            block_max = std::max(block_max, double(got));
            // p = exp(score - m_new): 0 where blocked.
            const double want_p = std::isinf(got) ? 0.0 : std::exp(double(got) - st.m_new[r]);
            CHECK(support::close(st.p[r * st.cols + j], want_p, 1e-6));
          }
          CHECK(st.m_new[r] == std::max(double(st.m_old[r]), block_max));
          // The rescale factor multiplies what was summed before: exp(m_old - m_new), 0 on a
          // row's first visible block and 1 while it has seen nothing.
          const double want_rescale =
              std::isinf(st.m_new[r]) ? 1.0 : std::exp(double(st.m_old[r]) - double(st.m_new[r]));
          CHECK(support::close(st.rescale[r], want_rescale, 1e-6));
          // l_new = rescale * l_old + sum of p: ~1 ulp per term of at most 65 terms <= 1.
          double p_sum = 0.0;
          for (std::size_t j = 0; j < st.cols; ++j) p_sum += st.p[r * st.cols + j];
          CHECK(support::close(st.sum[r], want_rescale * last_sum[row] + p_sum, 1e-5));
          last_sum[row] = st.sum[r];
          last[row] = &st;
        }
      }
    }
    REQUIRE(index == trace.steps.size());
    // At the end: m is the row's max, l its softmax sum, and O = acc / l exactly as stored.
    for (std::size_t row = 0; row < n; ++row) {
      INFO("row " << row);
      REQUIRE(last[row] != nullptr);
      const attention::TileStep& st = *last[row];
      const std::size_t r = row - st.row0;
      CHECK(support::close(st.m_new[r], want.row_max[row], 1e-5));  // the row's max score
      CHECK(support::close(trace.sum[row], want.row_sum[row], 1e-5));
      const float inv = trace.sum[row] > 0.0f ? 1.0f / trace.sum[row] : 0.0f;
      for (std::size_t c = 0; c < dv; ++c) CHECK(trace.out[row * dv + c] == st.acc[r * dv + c] * inv);
    }
  }
}

TEST_CASE("a slice of rows with its first_row equals the same rows of the whole", "[fused][tiles]") {
  // The parallel path gives each worker rows [a, b) with first_row = a: bit for bit what a
  // single call computes for those rows, under every mask. The large shape (d = 64, the
  // fixed-size kernels) has slices long enough for the native fast path's groups of tiles,
  // which start at other rows in a slice than in the whole.
  struct Shape {
    std::size_t n, m, dk, dv, slice;
  };
  const Shape z = GENERATE(Shape{23, 70, 5, 9, 11}, Shape{110, 200, 64, 64, 55});
  const std::size_t n = z.n, m = z.m, dk = z.dk, dv = z.dv;
  support::Rng rng(11 + n);
  const auto q = random_values(n * dk, rng, 1.5f), k = random_values(m * dk, rng, 1.5f),
             v = random_values(m * dv, rng, 1.0f);
  const auto keep = random_keep(n, m, rng);
  const MaskKind kind = GENERATE(MaskKind::none, MaskKind::causal, MaskKind::custom);
  FusedMask whole;
  whole.causal = kind == MaskKind::causal ? Causal::yes : Causal::no;
  if (kind == MaskKind::custom) whole.keep = keep.data();
  std::vector<float> all(n * dv);
  attention::fused_attention(q.data(), k.data(), v.data(), all.data(), {n, m, dk, dv}, 0.4f, whole);
  for (std::size_t a : {std::size_t{0}, std::size_t{5}, n / 2 - 2}) {
    const std::size_t b = std::min(n, a + z.slice);
    FusedMask part = whole;
    part.first_row = a;
    if (part.keep) part.keep = keep.data() + a * m;
    std::vector<float> out((b - a) * dv);
    attention::fused_attention(q.data() + a * dk, k.data(), v.data(), out.data(), {b - a, m, dk, dv}, 0.4f,
                               part);
    for (std::size_t i = 0; i < out.size(); ++i) {
      INFO("mask " << int(kind) << " rows " << a << ".." << b << " entry " << i);
      REQUIRE(out[i] == all[a * dv + i]);
    }
  }
}

TEST_CASE("traced fused kernel refuses bad blocks", "[fused][tiles][errors]") {
  std::vector<float> a(16, 0.5f);
  auto code_of = [&](FusedShape s, TileBlocks blocks) {
    try {
      attention::fused_attention_traced(a.data(), a.data(), a.data(), s, 1.0f, {}, blocks);
    } catch (const attention::AttentionError& e) {
      return e.code();
    }
    FAIL("no error");
    return attention::ErrorCode::bad_config;
  };
  CHECK(code_of({4, 4, 4, 4}, {0, 2}) == attention::ErrorCode::bad_config);
  CHECK(code_of({4, 4, 4, 4}, {attention::TileLimits::max_block_rows + 1, 2}) ==
        attention::ErrorCode::bad_config);
  CHECK(code_of({4, 4, 4, 4}, {2, 0}) == attention::ErrorCode::bad_config);
  CHECK(code_of({4, 4, 4, 4}, {2, attention::TileLimits::max_block_cols + 1}) ==
        attention::ErrorCode::bad_config);
  CHECK(code_of({4096, 4096, 4, 4}, {1, 1}) == attention::ErrorCode::too_large);
}
