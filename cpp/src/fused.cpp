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
#include <type_traits>
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
// Query rows per tile of the fast path: as many as the vector registers hold next to the
// R x 2 score accumulators, the 2 key batches and a broadcast. WebAssembly SIMD has 16
// registers and no FMA (each product needs one more), so 4; with wider x86 vectors (AVX2's
// 16 registers, AVX-512's 32) and FMA, 6. The relaxed build has a multiply-add, yet 5 and 6
// rows measured 7–28 % slower there than 4 (V8's register allocation), so 4. Rows never
// mix: a row's numbers do not depend on the rows it shares a tile with.
constexpr std::size_t Rf = W >= 8 ? 6 : 4;
// Tiles that go through the key blocks together (run_tile_group). Natively 8 (6 rows each):
// 14 % faster at n = 2,048 and up to 30 % at 4,096, measured in turns. In the WebAssembly
// SIMD build it gained 2–7 % at 1,024–2,048 keys and lost 5–20 % at 4,096 without a mask, so
// one tile at a time there: bound by the separate multiplies and adds. The relaxed build,
// whose products take half the instructions, gained 2–23 % with 4 tiles, measured in turns.
#ifdef ATTENTION_RELAXED_MADD
constexpr std::size_t Group = 4;
#else
constexpr std::size_t Group = W >= 8 ? 8 : 1;
#endif

using aligned = std::vector<float, xsimd::aligned_allocator<float>>;

// a * b + c for every multiply-add of the kernel. Natively and in the plain WebAssembly build
// this is xsimd::fma (one fused instruction natively; two in WebAssembly SIMD, which has no
// FMA). The relaxed build (CMakeLists.txt) uses WebAssembly's f32x4.relaxed_madd, which the
// engine runs fused where the CPU has FMA. Clang 14 knows that instruction only under its
// pre-standard encoding, as __builtin_wasm_fma_f32x4 with its operands on the stack in the
// order given here; scripts/relax-wasm.js rewrites each such instruction to the standard
// opcode, whose meaning is a * b + c, and the build fails if anything else is left.
inline batch madd(batch a, batch b, batch c) {
#ifdef ATTENTION_RELAXED_MADD
  using f32x4 = float __attribute__((__vector_size__(16)));
  const auto fused = __builtin_wasm_fma_f32x4(
      reinterpret_cast<f32x4>(a.data), reinterpret_cast<f32x4>(b.data), reinterpret_cast<f32x4>(c.data));
  return batch(reinterpret_cast<typename batch::register_type>(fused));
#else
  return xsimd::fma(a, b, c);
#endif
}

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
  p = madd(p, r, batch(1.3981999507e-3f));
  p = madd(p, r, batch(8.3334519073e-3f));
  p = madd(p, r, batch(4.1665795894e-2f));
  p = madd(p, r, batch(1.6666665459e-1f));
  p = madd(p, r, batch(5.0000001201e-1f));
  p = madd(p, r * r, r + batch(1.0f));
  const auto two_n = xsimd::bitwise_cast<float>(xsimd::bitwise_cast<int32_t>(t) << 23);
  return xsimd::select(underflow, batch(0.0f), p * two_n);
}

// Kt: for key block b (bc keys), a dk x stride panel (row p holds dimension p of the
// block's keys), zero-padded past the block's last key. Padded keys are masked to -inf in
// the score tile. The fast path has bc = stride = Bc; the traced kernel any bc, its stride
// rounded up to whole pairs of batches.
void pack_kt(const float* k, aligned& kt, std::size_t m, std::size_t dk, std::size_t bc, std::size_t stride) {
  const std::size_t blocks = (m + bc - 1) / bc;
  kt.assign(blocks * stride * dk, 0.0f);
  for (std::size_t j = 0; j < m; ++j) {
    float* panel = kt.data() + (j / bc) * stride * dk;
    for (std::size_t p = 0; p < dk; ++p) panel[p * stride + j % bc] = k[j * dk + p];
  }
}

constexpr std::size_t stride_for(std::size_t bc) { return (bc + 2 * W - 1) / (2 * W) * (2 * W); }

// One tile of R query rows against all key blocks it may see.
struct Tile {
  const float* q;             // R rows of dk, already scaled
  float* out;                 // R rows of dv
  std::size_t first_row;      // position of the tile's first row among all queries (causal)
  const unsigned char* keep;  // R rows of m flags (0 blocks a key), or null
};

// The fast path records nothing; the traced kernel passes a Recorder (below). Both run the
// same run_tile, so what the page shows is what the kernel does.
struct NoTrace {
  static constexpr bool on = false;
};

// A tile's running softmax: each row's max and sum so far, and the last key it may see.
template <std::size_t R>
struct RowState {
  float max[R];
  float sum[R];
  std::size_t key_end;
};

// FixedCols: keys per block known at compile time (the fast path's Bc), or 0 for the traced
// kernel's run-time `bc`. FixedD: dk = dv known at compile time (the common head sizes), or 0:
// with it every address in the micro-kernels is a constant offset from one moving pointer.
template <std::size_t R, std::size_t FixedCols, std::size_t FixedD>
struct TileKernel {
  struct Dims {
    std::size_t m, dk, dv;
  };
  static Dims dims(const FusedShape& shape) {
    return {shape.m, FixedD ? FixedD : shape.dk, FixedD ? FixedD : shape.dv};
  }

  // Before the first key block: nothing seen, the output rows zero.
  static void start(const Tile& t, const FusedShape& shape, Causal causal, RowState<R>& st) {
    const Dims s = dims(shape);
    for (std::size_t r = 0; r < R; ++r) {
      st.max[r] = minus_inf;
      st.sum[r] = 0.0f;
      std::fill(t.out + r * s.dv, t.out + (r + 1) * s.dv, 0.0f);
    }
    // Causal: the last row of the tile sees keys 0..first_row+R-1; later blocks are skipped.
    st.key_end = causal == Causal::yes ? std::min(s.m, t.first_row + R) : s.m;
  }

  // One key block [j0, j0 + bc) of the tile (j0 < st.key_end).
  template <class Tracer>
  static void block(const Tile& t, RowState<R>& st, std::size_t j0, const aligned& kt, const float* v,
                    const FusedShape& shape, Causal causal, std::size_t run_bc,
                    float* scores /* R x stride */, Tracer& tracer) {
    const std::size_t bc = FixedCols ? FixedCols : run_bc;
    const std::size_t stride = FixedCols ? FixedCols : stride_for(run_bc);
    const Dims s = dims(shape);
    float* const row_max = st.max;
    float* const row_sum = st.sum;
    const std::size_t key_end = st.key_end;
    const std::size_t cols = std::min(bc, key_end - j0);
    const float* panel = kt.data() + (j0 / bc) * stride * s.dk;

    // Scores: for each pair of key batches, R x 2 accumulators stay in registers while the
    // dk products are summed (q broadcast against contiguous keys: no horizontal sums).
    // Blocks with every key visible (no padding, no causal cut, no custom mask) need no
    // mask, and their row maxima are taken from the accumulators as the scores are stored.
    const bool full =
        cols == stride && t.keep == nullptr && (causal == Causal::no || t.first_row >= j0 + stride - 1);
    batch running_max[R];
    for (std::size_t r = 0; r < R; ++r) running_max[r] = batch(minus_inf);
    for (std::size_t jc = 0; jc < stride; jc += 2 * W) {
      batch acc0[R], acc1[R];
      for (std::size_t r = 0; r < R; ++r) acc0[r] = acc1[r] = batch(0.0f);
      // Moving pointers, not indices: each load is then a constant offset from one of them,
      // which saves V8 an address computation per load (in turns: relaxed build 2–17 %
      // faster, SIMD build 0–11 %).
      const float* kp = panel + jc;
      const float* qp = t.q;
      for (std::size_t p = 0; p < s.dk; ++p, kp += stride, ++qp) {
        const batch k0 = batch::load_aligned(kp);
        const batch k1 = batch::load_aligned(kp + W);
        for (std::size_t r = 0; r < R; ++r) {
          const batch qb(qp[r * s.dk]);
          acc0[r] = madd(qb, k0, acc0[r]);
          acc1[r] = madd(qb, k1, acc1[r]);
        }
      }
      for (std::size_t r = 0; r < R; ++r) {
        acc0[r].store_aligned(scores + r * stride + jc);
        acc1[r].store_aligned(scores + r * stride + jc + W);
        running_max[r] = xsimd::max(running_max[r], xsimd::max(acc0[r], acc1[r]));
      }
    }

    // Mask what this block must not contribute: padding past the last key, under a causal
    // mask the keys after each row's own position, and the keys a custom mask blocks.
    for (std::size_t r = 0; r < R && !full; ++r) {
      std::size_t visible = cols;
      if (causal == Causal::yes) {
        const std::size_t row = t.first_row + r;
        visible = row + 1 <= j0 ? 0 : std::min(cols, row + 1 - j0);
      }
      for (std::size_t j = visible; j < stride; ++j) scores[r * stride + j] = minus_inf;
      if (t.keep != nullptr) {
        const unsigned char* flags = t.keep + r * s.m + j0;
        for (std::size_t j = 0; j < visible; ++j)
          if (flags[j] == 0) scores[r * stride + j] = minus_inf;
      }
    }

    // Online softmax: new running max, rescale what was accumulated, exponentiate.
    float new_max[R];
    for (std::size_t r = 0; r < R; ++r) {
      batch mx = running_max[r];
      if (!full) {
        mx = batch(minus_inf);
        for (std::size_t j = 0; j < stride; j += W)
          mx = xsimd::max(mx, batch::load_aligned(scores + r * stride + j));
      }
      new_max[r] = std::max(row_max[r], xsimd::reduce_max(mx));
    }
    if constexpr (Tracer::on) tracer.block(t, R, j0, cols, scores, stride, row_max, new_max);
    // alpha_r = exp(old max - new max) for all rows at once (0 on a row's first visible
    // block, where the old max is -inf; 1 while a row has seen nothing yet).
    alignas(64) float alpha[(R + W - 1) / W * W];
    for (std::size_t r0 = 0; r0 < R; r0 += W) {
      alignas(64) float diff[W];
      for (std::size_t i = 0; i < W; ++i) {
        const std::size_t r = r0 + i;
        diff[i] = r < R && new_max[r] != minus_inf ? row_max[r] - new_max[r] : 0.0f;
      }
      exp_nonpositive(batch::load_aligned(diff)).store_aligned(alpha + r0);
    }
    for (std::size_t r = 0; r < R; ++r) {
      float* row = scores + r * stride;
      if (new_max[r] == minus_inf) {  // nothing visible yet for this row: it adds nothing
        std::fill(row, row + stride, 0.0f);
        continue;
      }
      const batch nm(new_max[r]);
      batch sum(0.0f);
      for (std::size_t j = 0; j < stride; j += W) {
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
      const float* vrow = v + j0 * s.dv + c;
      const float* sp = scores;
      for (std::size_t j = 0; j < cols; ++j, vrow += s.dv, ++sp) {
        const batch v0 = batch::load_unaligned(vrow);
        const batch v1 = batch::load_unaligned(vrow + W);
        for (std::size_t r = 0; r < R; ++r) {
          const batch pb(sp[r * stride]);
          acc0[r] = madd(pb, v0, acc0[r]);
          acc1[r] = madd(pb, v1, acc1[r]);
        }
      }
      for (std::size_t r = 0; r < R; ++r) {
        float* o = t.out + r * s.dv + c;
        const batch a(alpha[r]);
        madd(batch::load_unaligned(o), a, acc0[r]).store_unaligned(o);
        madd(batch::load_unaligned(o + W), a, acc1[r]).store_unaligned(o + W);
      }
    }
    for (std::size_t c = dv_pair; c < dv_vec; c += W) {
      batch acc[R];
      for (std::size_t r = 0; r < R; ++r) acc[r] = batch(0.0f);
      for (std::size_t j = 0; j < cols; ++j) {
        const batch v0 = batch::load_unaligned(v + (j0 + j) * s.dv + c);
        for (std::size_t r = 0; r < R; ++r) acc[r] = madd(batch(scores[r * stride + j]), v0, acc[r]);
      }
      for (std::size_t r = 0; r < R; ++r) {
        float* o = t.out + r * s.dv + c;
        madd(batch::load_unaligned(o), batch(alpha[r]), acc[r]).store_unaligned(o);
      }
    }
    for (std::size_t c = dv_vec; c < s.dv; ++c) {
      for (std::size_t r = 0; r < R; ++r) {
        float acc = 0.0f;
        for (std::size_t j = 0; j < cols; ++j) acc += scores[r * stride + j] * v[(j0 + j) * s.dv + c];
        t.out[r * s.dv + c] = t.out[r * s.dv + c] * alpha[r] + acc;
      }
    }
    if constexpr (Tracer::on) tracer.update(R, cols, scores, stride, alpha, row_sum, t.out, s.dv);
  }

  // After the last block: out = acc / l.
  template <class Tracer>
  static void finish(const Tile& t, const RowState<R>& st, const FusedShape& shape, Tracer& tracer) {
    const Dims s = dims(shape);
    for (std::size_t r = 0; r < R; ++r) {
      // A row with no visible key (possible only with a custom mask) is zero.
      const float inv = st.sum[r] > 0.0f ? 1.0f / st.sum[r] : 0.0f;
      for (std::size_t c = 0; c < s.dv; ++c) t.out[r * s.dv + c] *= inv;
      if constexpr (Tracer::on) tracer.finish(t, r, st.sum[r]);
    }
  }
};

// One tile of R query rows against all the key blocks it may see.
template <std::size_t R, std::size_t FixedCols, std::size_t FixedD, class Tracer>
void run_tile(const Tile& t, const aligned& kt, const float* v, const FusedShape& shape, Causal causal,
              std::size_t run_bc, float* scores, Tracer& tracer) {
  using K = TileKernel<R, FixedCols, FixedD>;
  const std::size_t bc = FixedCols ? FixedCols : run_bc;
  RowState<R> st;
  K::start(t, shape, causal, st);
  for (std::size_t j0 = 0; j0 < st.key_end; j0 += bc)
    K::block(t, st, j0, kt, v, shape, causal, run_bc, scores, tracer);
  K::finish(t, st, shape, tracer);
}

// G tiles of R rows side by side, key block by key block: each block of K and V (16 KiB
// each at d = 64) is read from memory once for the G tiles instead of once per tile; at
// 2,048 keys and more, K and V no longer fit in a core's L2 and every tile would stream
// them again. Each row's arithmetic is the same as run_tile's, in the same order.
template <std::size_t G, std::size_t R, std::size_t FixedD>
void run_tile_group(const Tile* tiles, const aligned& kt, const float* v, const FusedShape& shape,
                    Causal causal, float* scores) {
  using K = TileKernel<R, Bc, FixedD>;
  NoTrace none;
  RowState<R> st[G];
  std::size_t key_end = 0;
  for (std::size_t g = 0; g < G; ++g) {
    K::start(tiles[g], shape, causal, st[g]);
    key_end = std::max(key_end, st[g].key_end);
  }
  for (std::size_t j0 = 0; j0 < key_end; j0 += Bc) {
    for (std::size_t g = 0; g < G; ++g)
      if (j0 < st[g].key_end) K::block(tiles[g], st[g], j0, kt, v, shape, causal, Bc, scores, none);
  }
  for (std::size_t g = 0; g < G; ++g) K::finish(tiles[g], st[g], shape, none);
}

// Keeps each block step of run_tile for the traced kernel.
class Recorder {
 public:
  static constexpr bool on = true;
  Recorder(TiledTrace& trace, std::size_t first_row) : trace_(trace), first_row_(first_row) {}

  // After the block's scores are masked and its new maxima found (scores not yet exponentiated).
  void block(const Tile& t, std::size_t rows, std::size_t j0, std::size_t cols, const float* scores,
             std::size_t stride, const float* m_old, const float* m_new) {
    TileStep step;
    step.row0 = t.first_row - first_row_;
    step.rows = rows;
    step.col0 = j0;
    step.cols = cols;
    for (std::size_t r = 0; r < rows; ++r)
      step.scores.insert(step.scores.end(), scores + r * stride, scores + r * stride + cols);
    step.m_old.assign(m_old, m_old + rows);
    step.m_new.assign(m_new, m_new + rows);
    trace_.steps.push_back(std::move(step));
  }

  // After the rescale, the exponentials (now in `p`), the running sums and the output update.
  void update(std::size_t rows, std::size_t cols, const float* p, std::size_t stride, const float* alpha,
              const float* sum, const float* acc, std::size_t dv) {
    TileStep& step = trace_.steps.back();
    for (std::size_t r = 0; r < rows; ++r) step.p.insert(step.p.end(), p + r * stride, p + r * stride + cols);
    step.rescale.assign(alpha, alpha + rows);
    step.sum.assign(sum, sum + rows);
    step.acc.assign(acc, acc + rows * dv);
  }

  void finish(const Tile& t, std::size_t r, float sum) { trace_.sum[t.first_row - first_row_ + r] = sum; }

 private:
  TiledTrace& trace_;
  std::size_t first_row_;
};

[[noreturn]] void fail(ErrorCode code, const char* field, const std::string& message) {
  throw AttentionError(code, field, message);
}

}  // namespace

std::size_t fused_workspace_bytes(const FusedShape& s) {
  const std::size_t blocks = (s.m + Bc - 1) / Bc;
  return (blocks * Bc * s.dk + s.n * s.dk + Rf * Bc) * sizeof(float);
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

namespace {

void check_inputs(const float* q, const float* k, const float* v, const FusedShape& s) {
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
}

// Scaling q once (n x dk products) instead of every score (n x m) saves a multiply per score.
aligned scaled_q(const float* q, const FusedShape& s, float scale) {
  aligned qs(s.n * s.dk);
  for (std::size_t i = 0; i < qs.size(); ++i) qs[i] = q[i] * scale;
  return qs;
}

// Finite inputs can still overflow float32 in a score (1e20 x 1e20): say so, never return NaN.
void check_output(const float* out, const FusedShape& s) {
  for (std::size_t j = 0; j < s.n * s.dv; ++j) {
    if (!std::isfinite(out[j])) {
      fail(ErrorCode::non_finite, "q",
           "the scores overflow float32: q, k or the scale are too large; scale them down");
    }
  }
}

// run_tile for a run-time number of rows (the traced kernel's blocks, and their remainder).
template <std::size_t R = TileLimits::max_block_rows, class Tracer>
void run_tile_rows(std::size_t rows, const Tile& t, const aligned& kt, const float* v, const FusedShape& s,
                   Causal causal, std::size_t bc, float* scores, Tracer& tracer) {
  if constexpr (R > 1) {
    if (rows < R) return run_tile_rows<R - 1>(rows, t, kt, v, s, causal, bc, scores, tracer);
  }
  run_tile<R, 0, 0>(t, kt, v, s, causal, bc, scores, tracer);
}

// The fast path over all rows, Rf at a time, with dk = dv fixed at D (0: any).
template <std::size_t D>
void all_tiles(const float* qs, float* out, const FusedShape& s, const FusedMask& mask, const aligned& kt,
               const float* v, float* scores) {
  NoTrace none;
  const auto tile = [&](std::size_t i) {
    return Tile{qs + i * s.dk, out + i * s.dv, mask.first_row + i, mask.keep ? mask.keep + i * s.m : nullptr};
  };
  std::size_t i = 0;
  if constexpr (Group > 1) {
    for (; i + Rf * Group <= s.n; i += Rf * Group) {
      Tile tiles[Group];
      for (std::size_t g = 0; g < Group; ++g) tiles[g] = tile(i + g * Rf);
      run_tile_group<Group, Rf, D>(tiles, kt, v, s, mask.causal, scores);
    }
  }
  for (; i + Rf <= s.n; i += Rf) run_tile<Rf, Bc, D>(tile(i), kt, v, s, mask.causal, Bc, scores, none);
  if constexpr (Rf > 4) {
    for (; i + 4 <= s.n; i += 4) run_tile<4, Bc, D>(tile(i), kt, v, s, mask.causal, Bc, scores, none);
  }
  for (; i < s.n; ++i) run_tile<1, Bc, D>(tile(i), kt, v, s, mask.causal, Bc, scores, none);
}

// Chosen through a pointer, not called: the two versions stay separate functions in the
// WebAssembly (the optimiser inlines a function with one caller, and one function holding
// both spills in V8's register allocator, twice as slow).
using AllTiles = void (*)(const float*, float*, const FusedShape&, const FusedMask&, const aligned&,
                          const float*, float*);
AllTiles all_tiles_for(const FusedShape& s) {
  static AllTiles const volatile fixed = &all_tiles<64>;
  static AllTiles const volatile any = &all_tiles<0>;
  return s.dk == 64 && s.dv == 64 ? fixed : any;
}

}  // namespace

void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& s,
                     float scale, Causal causal) {
  fused_attention(q, k, v, out, s, scale, FusedMask{causal, 0, nullptr});
}

void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& s,
                     float scale, const FusedMask& mask) {
  validate_fused(s, scale);
  check_inputs(q, k, v, s);
  aligned kt;
  pack_kt(k, kt, s.m, s.dk, Bc, Bc);
  const aligned qs = scaled_q(q, s, scale);
  aligned scores(Rf * Bc);
  all_tiles_for(s)(qs.data(), out, s, mask, kt, v, scores.data());
  check_output(out, s);
}

TiledTrace fused_attention_traced(const float* q, const float* k, const float* v, const FusedShape& s,
                                  float scale, const FusedMask& mask, TileBlocks blocks) {
  validate_fused(s, scale);
  if (blocks.rows < 1 || blocks.rows > TileLimits::max_block_rows) {
    fail(ErrorCode::bad_config, "blockRows",
         "blockRows is " + std::to_string(blocks.rows) + "; it must be 1 to " +
             std::to_string(TileLimits::max_block_rows));
  }
  if (blocks.cols < 1 || blocks.cols > TileLimits::max_block_cols) {
    fail(ErrorCode::bad_config, "blockCols",
         "blockCols is " + std::to_string(blocks.cols) + "; it must be 1 to " +
             std::to_string(TileLimits::max_block_cols));
  }
  // Every score and probability once, plus each step's partial output rows and row values.
  const double steps = std::ceil(double(s.n) / blocks.rows) * std::ceil(double(s.m) / blocks.cols);
  const double floats = 2.0 * s.n * s.m + steps * blocks.rows * (s.dv + 4.0) + 2.0 * s.n * s.dv;
  if (floats > double(TileLimits::max_floats)) {
    fail(ErrorCode::too_large, "n",
         "a trace of these sizes would hold " + std::to_string(static_cast<long long>(floats)) +
             " numbers; the limit is " + std::to_string(TileLimits::max_floats) +
             "; use larger blocks or fewer tokens");
  }
  check_inputs(q, k, v, s);

  TiledTrace trace;
  trace.blocks = blocks;
  trace.out.assign(s.n * s.dv, 0.0f);
  trace.sum.assign(s.n, 0.0f);
  aligned kt;
  const std::size_t stride = stride_for(blocks.cols);
  pack_kt(k, kt, s.m, s.dk, blocks.cols, stride);
  const aligned qs = scaled_q(q, s, scale);
  aligned scores(TileLimits::max_block_rows * stride);
  Recorder recorder(trace, mask.first_row);
  for (std::size_t i = 0; i < s.n; i += blocks.rows) {
    const Tile t{qs.data() + i * s.dk, trace.out.data() + i * s.dv, mask.first_row + i,
                 mask.keep ? mask.keep + i * s.m : nullptr};
    run_tile_rows(std::min(blocks.rows, s.n - i), t, kt, v, s, mask.causal, blocks.cols, scores.data(),
                  recorder);
  }
  check_output(trace.out.data(), s);
  return trace;
}

}  // namespace attention
