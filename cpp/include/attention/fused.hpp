// The fast path: softmax(scale * Q K^T [causal]) V in one fused, tiled pass with an online
// softmax (running max and sum per row), FlashAttention-style. It never holds an n x m
// matrix: memory is the inputs, the output, a transposed copy of K, a scaled copy of Q and a
// few tiles.
#pragma once

#include <cstddef>

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

// Bytes fused_attention() allocates for its workspace (the transposed K, the scaled Q and
// the tiles).
std::size_t fused_workspace_bytes(const FusedShape& shape);

}  // namespace attention
