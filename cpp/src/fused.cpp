// Fused attention forward pass. Queries are processed R rows at a time against blocks of
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
  const float* q;   // R rows of dk
  float* out;       // R rows of dv
  std::size_t first_row;
};

template <std::size_t R>
void run_tile(const Tile<R>& t, const aligned& kt, const float* v, const FusedShape& s, float scale,
              Causal causal, float* scores /* R x Bc */) {
  float row_max[R];
  float row_sum[R];
  for (std::size_t r = 0; r < R; ++r) {
    row_max[r] = minus_inf;
    row_sum[r] = 0.0f;
    std::fill(t.out + r * s.dv, t.out + (r + 1) * s.dv, 0.0f);
  }
  // Causal: the last row of the tile sees keys 0..first_row+R-1; later blocks are skipped.
  const std::size_t key_end = causal == Causal::yes ? std::min(s.m, t.first_row + R) : s.m;
  const batch scale_b(scale);

  for (std::size_t j0 = 0; j0 < key_end; j0 += Bc) {
    const std::size_t cols = std::min(Bc, key_end - j0);
    const float* panel = kt.data() + (j0 / Bc) * Bc * s.dk;

    // Scores: for each pair of key batches, R x 2 accumulators stay in registers while the
    // dk products are summed (q broadcast against contiguous keys: no horizontal sums).
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
        (acc0[r] * scale_b).store_aligned(scores + r * Bc + jc);
        (acc1[r] * scale_b).store_aligned(scores + r * Bc + jc + W);
      }
    }

    // Mask what this block must not contribute: padding past the last key, and under a
    // causal mask the keys after each row's own position.
    for (std::size_t r = 0; r < R; ++r) {
      std::size_t visible = cols;
      if (causal == Causal::yes) {
        const std::size_t row = t.first_row + r;
        visible = row + 1 <= j0 ? 0 : std::min(cols, row + 1 - j0);
      }
      for (std::size_t j = visible; j < Bc; ++j) scores[r * Bc + j] = minus_inf;
    }

    // Online softmax: new running max, rescale what was accumulated, exponentiate.
    float alpha[R];
    for (std::size_t r = 0; r < R; ++r) {
      float* row = scores + r * Bc;
      batch mx(minus_inf);
      for (std::size_t j = 0; j < Bc; j += W) mx = xsimd::max(mx, batch::load_aligned(row + j));
      const float block_max = xsimd::reduce_max(mx);
      const float new_max = std::max(row_max[r], block_max);
      if (new_max == minus_inf) {  // nothing visible yet for this row: it adds nothing
        alpha[r] = 1.0f;
        std::fill(row, row + Bc, 0.0f);
        continue;
      }
      alpha[r] = std::exp(row_max[r] - new_max);  // exp(-inf) = 0 on the first visible block
      const batch nm(new_max);
      batch sum(0.0f);
      for (std::size_t j = 0; j < Bc; j += W) {
        const batch e = xsimd::exp(batch::load_aligned(row + j) - nm);
        e.store_aligned(row + j);
        sum += e;
      }
      row_sum[r] = row_sum[r] * alpha[r] + xsimd::reduce_add(sum);
      row_max[r] = new_max;
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
  return (blocks * Bc * s.dk + 4 * Bc) * sizeof(float);
}

void validate_fused(const FusedShape& s, float scale) {
  const struct { std::size_t value; const char* name; std::size_t limit; } dims[] = {
      {s.n, "n", FusedLimits::max_rows}, {s.m, "m", FusedLimits::max_rows},
      {s.dk, "dk", FusedLimits::max_width}, {s.dv, "dv", FusedLimits::max_width}};
  for (const auto& d : dims) {
    if (d.value == 0) fail(ErrorCode::bad_config, d.name, std::string(d.name) + " must be at least 1");
    if (d.value > d.limit) {
      fail(ErrorCode::too_large, d.name,
           std::string(d.name) + " is " + std::to_string(d.value) + "; the limit is " + std::to_string(d.limit));
    }
  }
  const double bytes = 4.0 * (static_cast<double>(s.n) * s.dk + static_cast<double>(s.m) * (s.dk + s.dv) +
                              static_cast<double>(s.n) * s.dv) +
                       static_cast<double>(fused_workspace_bytes(s));
  if (bytes > static_cast<double>(FusedLimits::max_bytes)) {
    fail(ErrorCode::too_large, "n", "these sizes need " + std::to_string(static_cast<long long>(bytes / (1 << 20))) +
                                        " MiB; the limit is " + std::to_string(FusedLimits::max_bytes >> 20) + " MiB");
  }
  if (!std::isfinite(scale)) fail(ErrorCode::non_finite, "scale", "scale must be a finite number");
}

void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& s, float scale,
               Causal causal) {
  validate_fused(s, scale);
  const struct { const float* data; std::size_t count; const char* name; } inputs[] = {
      {q, s.n * s.dk, "q"}, {k, s.m * s.dk, "k"}, {v, s.m * s.dv, "v"}};
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
  aligned scores(4 * Bc);
  std::size_t i = 0;
  for (; i + 4 <= s.n; i += 4) run_tile<4>({q + i * s.dk, out + i * s.dv, i}, kt, v, s, scale, causal, scores.data());
  for (; i < s.n; ++i) run_tile<1>({q + i * s.dk, out + i * s.dv, i}, kt, v, s, scale, causal, scores.data());
}

}  // namespace attention
