// Fused attention forward pass. Queries (scaled once) are processed R rows at a time against blocks of
// Bc keys: the R x Bc score tile lives in a small buffer, the softmax is computed online
// (running max m_r and sum l_r, earlier partial outputs rescaled by exp(m_old - m_new)), and
// the output rows accumulate in place. K is transposed once into panels of Bc columns so
// the score micro-kernel broadcasts one q value against contiguous key vectors.
#include "attention/fused.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "attention/error.hpp"

namespace attention {

namespace {

using batch = xsimd::batch<float>;
constexpr std::size_t W = batch::size;
constexpr std::size_t Bc = 64;  // keys per block: a multiple of 2W for every width we build
static_assert(Bc % (2 * W) == 0, "a key block holds whole pairs of batches");
constexpr float minus_inf = -std::numeric_limits<float>::infinity();

using aligned = std::vector<float, xsimd::aligned_allocator<float>>;

// exp(x) for the x <= 0 of an online softmax (the running max is already subtracted),
// exactly 0 below about -87 (masked keys are -inf). Cephes' expf split, x = n ln2 + r with
// |r| <= ln2/2 and a degree-6 polynomial for e^r (~1 ulp), but n is rounded by adding
// 1.5 * 2^23 + 127: the float add rounds to an integer and leaves n + 127 in the low
// mantissa bits, which shifted left by 23 are the bits of 2^n. No float-to-int conversion,
// which WebAssembly SIMD only has in a slow saturating form.
inline batch exp_nonpositive(batch x) {
  const batch lowest(-87.33654f);
  const batch magic(12582912.0f + 127.0f);
  const auto underflow = x < lowest;
  x = xsimd::max(x, lowest);
  const batch t = x * batch(1.44269504088896341f) + magic;
  const batch n = t - magic;
  batch r = xsimd::fnma(n, batch(0.693359375f), x);
  r = xsimd::fnma(n, batch(-2.12194440e-4f), r);
  batch p(1.9875691500e-4f);
  p = xsimd::fma(p, r, batch(1.3981999507e-3f));
  p = xsimd::fma(p, r, batch(8.3334519073e-3f));
  p = xsimd::fma(p, r, batch(4.1665795894e-2f));
  p = xsimd::fma(p, r, batch(1.6666665459e-1f));
  p = xsimd::fma(p, r, batch(5.0000001201e-1f));
  p = xsimd::fma(p, r * r, r + batch(1.0f));
  const auto two_n = xsimd::bitwise_cast<float>(xsimd::bitwise_cast<int32_t>(t) << 23);
  return xsimd::select(underflow, batch(0.0f), p * two_n);
}

// Kt: for key block b, a dk x Bc panel (row p holds dimension p of the block's keys),
// zero-padded past m. Padded keys are masked to -inf in the score tile.
void pack_kt(const float* k, aligned& kt, std::size_t m, std::size_t dk) {
  const std::size_t blocks = (m + Bc - 1) / Bc;
  kt.assign(blocks * Bc * dk, 0.0f);
  for (std::size_t j = 0; j < m; ++j) {
    float* panel = kt.data() + (j / Bc) * Bc * dk;
    for (std::size_t p = 0; p < dk; ++p) panel[p * Bc + j % Bc] = k[j * dk + p];
  }
}

// One tile of R query rows against all key blocks it may see.
template <std::size_t R>
struct Tile {
  const float* q;  // R rows of dk
  float* out;      // R rows of dv
  std::size_t first_row;
};

template <std::size_t R>
void run_tile(const Tile<R>& t, const aligned& kt, const float* v, const FusedShape& s, Causal causal,
              float* scores /* R x Bc */) {
  float row_max[R];
  float row_sum[R];
  for (std::size_t r = 0; r < R; ++r) {
    row_max[r] = minus_inf;
    row_sum[r] = 0.0f;
    std::fill(t.out + r * s.dv, t.out + (r + 1) * s.dv, 0.0f);
  }
  // Causal: the last row of the tile sees keys 0..first_row+R-1; later blocks are skipped.
  const std::size_t key_end = causal == Causal::yes ? std::min(s.m, t.first_row + R) : s.m;

  for (std::size_t j0 = 0; j0 < key_end; j0 += Bc) {
    const std::size_t cols = std::min(Bc, key_end - j0);
    const float* panel = kt.data() + (j0 / Bc) * Bc * s.dk;

    // Scores: for each pair of key batches, R x 2 accumulators stay in registers while the
    // dk products are summed (q broadcast against contiguous keys: no horizontal sums).
    // Blocks with every key visible (no padding, no causal cut) need no mask, and their
    // row maxima are taken from the accumulators as the scores are stored.
    const bool full = cols == Bc && (causal == Causal::no || t.first_row >= j0 + Bc - 1);
    batch running_max[R];
    for (std::size_t r = 0; r < R; ++r) running_max[r] = batch(minus_inf);
    for (std::size_t jc = 0; jc < Bc; jc += 2 * W) {
      batch acc0[R], acc1[R];
      for (std::size_t r = 0; r < R; ++r) acc0[r] = acc1[r] = batch(0.0f);
      for (std::size_t p = 0; p < s.dk; ++p) {
        const batch k0 = batch::load_aligned(panel + p * Bc + jc);
        const batch k1 = batch::load_aligned(panel + p * Bc + jc + W);
        for (std::size_t r = 0; r < R; ++r) {
          const batch qb(t.q[r * s.dk + p]);
          acc0[r] = xsimd::fma(qb, k0, acc0[r]);
          acc1[r] = xsimd::fma(qb, k1, acc1[r]);
        }
      }
      for (std::size_t r = 0; r < R; ++r) {
        acc0[r].store_aligned(scores + r * Bc + jc);
        acc1[r].store_aligned(scores + r * Bc + jc + W);
        running_max[r] = xsimd::max(running_max[r], xsimd::max(acc0[r], acc1[r]));
      }
    }

    // Mask what this block must not contribute: padding past the last key, and under a
    // causal mask the keys after each row's own position.
    for (std::size_t r = 0; r < R && !full; ++r) {
      std::size_t visible = cols;
      if (causal == Causal::yes) {
        const std::size_t row = t.first_row + r;
        visible = row + 1 <= j0 ? 0 : std::min(cols, row + 1 - j0);
      }
      for (std::size_t j = visible; j < Bc; ++j) scores[r * Bc + j] = minus_inf;
    }

    // Online softmax: new running max, rescale what was accumulated, exponentiate.
    float new_max[R];
    for (std::size_t r = 0; r < R; ++r) {
      batch mx = running_max[r];
      if (!full) {
        mx = batch(minus_inf);
        for (std::size_t j = 0; j < Bc; j += W) mx = xsimd::max(mx, batch::load_aligned(scores + r * Bc + j));
      }
      new_max[r] = std::max(row_max[r], xsimd::reduce_max(mx));
    }
    // alpha_r = exp(old max - new max) for all rows at once (0 on a row's first visible
    // block, where the old max is -inf; 1 while a row has seen nothing yet).
    alignas(64) float alpha[W > R ? W : R];
    for (std::size_t r0 = 0; r0 < R; r0 += W) {
      alignas(64) float diff[W];
      for (std::size_t i = 0; i < W; ++i) {
        const std::size_t r = r0 + i;
        diff[i] = r < R && new_max[r] != minus_inf ? row_max[r] - new_max[r] : 0.0f;
      }
      exp_nonpositive(batch::load_aligned(diff)).store_aligned(alpha + r0);
    }
    for (std::size_t r = 0; r < R; ++r) {
      float* row = scores + r * Bc;
      if (new_max[r] == minus_inf) {  // nothing visible yet for this row: it adds nothing
        std::fill(row, row + Bc, 0.0f);
        continue;
      }
      const batch nm(new_max[r]);
      batch sum(0.0f);
      for (std::size_t j = 0; j < Bc; j += W) {
        const batch e = exp_nonpositive(batch::load_aligned(row + j) - nm);
        e.store_aligned(row + j);
        sum += e;
      }
      row_sum[r] = row_sum[r] * alpha[r] + xsimd::reduce_add(sum);
      row_max[r] = new_max[r];
    }

    // out_r = alpha_r * out_r + P_r V_block, two batches of output columns at a time.
    const std::size_t dv_pair = s.dv - s.dv % (2 * W);
    const std::size_t dv_vec = s.dv - s.dv % W;
    for (std::size_t c = 0; c < dv_pair; c += 2 * W) {
      batch acc0[R], acc1[R];
      for (std::size_t r = 0; r < R; ++r) acc0[r] = acc1[r] = batch(0.0f);
      for (std::size_t j = 0; j < cols; ++j) {
        const float* vrow = v + (j0 + j) * s.dv + c;
        const batch v0 = batch::load_unaligned(vrow);
        const batch v1 = batch::load_unaligned(vrow + W);
        for (std::size_t r = 0; r < R; ++r) {
          const batch pb(scores[r * Bc + j]);
          acc0[r] = xsimd::fma(pb, v0, acc0[r]);
          acc1[r] = xsimd::fma(pb, v1, acc1[r]);
        }
      }
      for (std::size_t r = 0; r < R; ++r) {
        float* o = t.out + r * s.dv + c;
        const batch a(alpha[r]);
        xsimd::fma(batch::load_unaligned(o), a, acc0[r]).store_unaligned(o);
        xsimd::fma(batch::load_unaligned(o + W), a, acc1[r]).store_unaligned(o + W);
      }
    }
    for (std::size_t c = dv_pair; c < dv_vec; c += W) {
      batch acc[R];
      for (std::size_t r = 0; r < R; ++r) acc[r] = batch(0.0f);
      for (std::size_t j = 0; j < cols; ++j) {
        const batch v0 = batch::load_unaligned(v + (j0 + j) * s.dv + c);
        for (std::size_t r = 0; r < R; ++r) acc[r] = xsimd::fma(batch(scores[r * Bc + j]), v0, acc[r]);
      }
      for (std::size_t r = 0; r < R; ++r) {
        float* o = t.out + r * s.dv + c;
        xsimd::fma(batch::load_unaligned(o), batch(alpha[r]), acc[r]).store_unaligned(o);
      }
    }
    for (std::size_t c = dv_vec; c < s.dv; ++c) {
      for (std::size_t r = 0; r < R; ++r) {
        float acc = 0.0f;
        for (std::size_t j = 0; j < cols; ++j) acc += scores[r * Bc + j] * v[(j0 + j) * s.dv + c];
        t.out[r * s.dv + c] = t.out[r * s.dv + c] * alpha[r] + acc;
      }
    }
  }

  for (std::size_t r = 0; r < R; ++r) {
    // A row with no visible key (not possible with m >= 1, even under the causal mask) is zero.
    const float inv = row_sum[r] > 0.0f ? 1.0f / row_sum[r] : 0.0f;
    for (std::size_t c = 0; c < s.dv; ++c) t.out[r * s.dv + c] *= inv;
  }
}

[[noreturn]] void fail(ErrorCode code, const char* field, const std::string& message) {
  throw AttentionError(code, field, message);
}

}  // namespace

std::size_t fused_workspace_bytes(const FusedShape& s) {
  const std::size_t blocks = (s.m + Bc - 1) / Bc;
  return (blocks * Bc * s.dk + s.n * s.dk + 4 * Bc) * sizeof(float);
}

void validate_fused(const FusedShape& s, float scale) {
  const struct {
    std::size_t value;
    const char* name;
    std::size_t limit;
  } dims[] = {{s.n, "n", FusedLimits::max_rows},
              {s.m, "m", FusedLimits::max_rows},
              {s.dk, "dk", FusedLimits::max_width},
              {s.dv, "dv", FusedLimits::max_width}};
  for (const auto& d : dims) {
    if (d.value == 0) fail(ErrorCode::bad_config, d.name, std::string(d.name) + " must be at least 1");
    if (d.value > d.limit) {
      fail(ErrorCode::too_large, d.name,
           std::string(d.name) + " is " + std::to_string(d.value) + "; the limit is " +
               std::to_string(d.limit));
    }
  }
  const double bytes = 4.0 * (static_cast<double>(s.n) * s.dk + static_cast<double>(s.m) * (s.dk + s.dv) +
                              static_cast<double>(s.n) * s.dv) +
                       static_cast<double>(fused_workspace_bytes(s));
  if (bytes > static_cast<double>(FusedLimits::max_bytes)) {
    fail(ErrorCode::too_large, "n",
         "these sizes need " + std::to_string(static_cast<long long>(bytes / (1 << 20))) +
             " MiB; the limit is " + std::to_string(FusedLimits::max_bytes >> 20) + " MiB");
  }
  if (!std::isfinite(scale)) fail(ErrorCode::non_finite, "scale", "scale must be a finite number");
}

void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& s,
                     float scale, Causal causal) {
  validate_fused(s, scale);
  const struct {
    const float* data;
    std::size_t count;
    const char* name;
  } inputs[] = {{q, s.n * s.dk, "q"}, {k, s.m * s.dk, "k"}, {v, s.m * s.dv, "v"}};
  for (const auto& in : inputs) {
    for (std::size_t i = 0; i < in.count; ++i) {
      if (!std::isfinite(in.data[i])) {
        fail(ErrorCode::non_finite, in.name,
             std::string(in.name) + "[" + std::to_string(i) + "] is not a finite number");
      }
    }
  }

  aligned kt;
  pack_kt(k, kt, s.m, s.dk);
  // Scaling q once (n x dk products) instead of every score (n x m) saves a multiply per score.
  aligned qs(s.n * s.dk);
  for (std::size_t i = 0; i < qs.size(); ++i) qs[i] = q[i] * scale;
  q = qs.data();
  aligned scores(4 * Bc);
  std::size_t i = 0;
  for (; i + 4 <= s.n; i += 4)
    run_tile<4>({q + i * s.dk, out + i * s.dv, i}, kt, v, s, causal, scores.data());
  for (; i < s.n; ++i) run_tile<1>({q + i * s.dk, out + i * s.dv, i}, kt, v, s, causal, scores.data());
  // Finite inputs can still overflow float32 in a score (1e20 x 1e20): say so, never return NaN.
  for (std::size_t j = 0; j < s.n * s.dv; ++j) {
    if (!std::isfinite(out[j])) {
      fail(ErrorCode::non_finite, "q",
           "the scores overflow float32: q, k or the scale are too large; scale them down");
    }
  }
}

}  // namespace attention
