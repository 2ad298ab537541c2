// The fast path: softmax(scale * Q K^T [causal]) V in one fused, tiled pass with an online
// softmax (running max and sum per row), FlashAttention-style. It never holds an n x m
// matrix: memory is the inputs, the output, a transposed copy of K, a scaled copy of Q and a
// few tiles.
#pragma once

#include <cstddef>
#include <vector>

namespace attention {

enum class Causal { no, yes };

struct FusedShape {
  std::size_t n;   // queries
  std::size_t m;   // keys and values
  std::size_t dk;  // width of q and k rows
  std::size_t dv;  // width of v and output rows
};

// Limits of fused_attention(): each bounded so a request that cannot fit in a browser tab's
// memory is refused with too_large before anything is allocated.
struct FusedLimits {
  static constexpr std::size_t max_rows = 1u << 20;     // n, m
  static constexpr std::size_t max_width = 1024;        // dk, dv
  static constexpr std::size_t max_bytes = 768u << 20;  // inputs + output + workspace
};

// Throws AttentionError (bad_config, too_large, non_finite) for unusable arguments;
// `scale` must be finite. Checks sizes only; the data is checked by fused_attention().
void validate_fused(const FusedShape& shape, float scale);

// out (n x dv) = softmax(scale * q k^T) v, row-major. With Causal::yes, query i sees keys
// 0..i. Throws AttentionError on bad sizes or non-finite input values.
void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& shape,
                     float scale, Causal causal);

// Which keys each query row of a fused call sees. The default is every key.
struct FusedMask {
  Causal causal = Causal::no;
  // Position of q's row 0 among all queries: a slice of rows [first_row, first_row + n) of a
  // causal problem sees keys 0..first_row + i (the parallel path splits rows this way).
  std::size_t first_row = 0;
  // Optional n x m row-major flags for this call's rows: 0 blocks key j for row i, anything
  // else keeps it (the page's custom mask). Combined with `causal` when both are given.
  const unsigned char* keep = nullptr;
};

// The same with any FusedMask. A row with every key blocked gets a zero output row.
void fused_attention(const float* q, const float* k, const float* v, float* out, const FusedShape& shape,
                     float scale, const FusedMask& mask);

// The traced kernel: the same algorithm (the same template, instantiated with a recorder)
// run with small, caller-chosen blocks, keeping what each (query block, key block) step
// computed, so the page can show the online softmax at work.
struct TileBlocks {
  std::size_t rows;  // query rows per block, 1..TileLimits::max_block_rows
  std::size_t cols;  // keys per block, 1..TileLimits::max_block_cols
};

struct TileLimits {
  // The fast path's own tile height: each height is one more instantiation of the kernel in
  // the wasm module (~16 KiB each).
  static constexpr std::size_t max_block_rows = 4;
  static constexpr std::size_t max_block_cols = 256;
  // Floats a trace may hold (scores, probabilities, partial outputs of every step): 16 MiB.
  static constexpr std::size_t max_floats = 1u << 22;
};

// One step: query rows [row0, row0 + rows) against keys [col0, col0 + cols). Per row r:
// m_old[r] -> m_new[r] is the running max before and after this block (-inf while the row
// has seen no visible key), rescale[r] = exp(m_old - m_new) multiplies what was summed so
// far, sum[r] is the running sum l after the block. Row-major tiles: scores (rows x cols,
// scale * q.k as the kernel computes it, -inf where blocked), p = exp(scores - m_new)
// (rows x cols), acc = rescale * acc_old + p V_block (rows x dv, not yet divided by l).
struct TileStep {
  std::size_t row0, rows, col0, cols;
  std::vector<float> scores, m_old, m_new, rescale, p, sum, acc;
};

struct TiledTrace {
  TileBlocks blocks;
  std::vector<TileStep> steps;  // in the kernel's order: each query block against its key blocks
  std::vector<float> out;       // n x dv, O = acc / l (0 for a row with no visible key)
  std::vector<float> sum;       // n: each row's final l
};

// Throws AttentionError like fused_attention(), and bad_config for block sizes out of range,
// too_large for a trace beyond TileLimits::max_floats.
TiledTrace fused_attention_traced(const float* q, const float* k, const float* v, const FusedShape& shape,
                                  float scale, const FusedMask& mask, TileBlocks blocks);

// Bytes fused_attention() allocates for its workspace (the transposed K, the scaled Q and
// the tiles).
std::size_t fused_workspace_bytes(const FusedShape& shape);

}  // namespace attention
