// What to compute: the engine's input, field for field the JSON config of the JS API.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "attention/matrix.hpp"

namespace attention {

enum class ScaleKind { sqrt_dk, none, custom };
enum class MaskKind { none, causal, custom };
enum class Positional { none, sinusoidal, rope };
enum class ScoreKind { dot, additive };

struct Config {
  Matrix x;                       // n x d_model queries' input
  std::optional<Matrix> context;  // m x d_model; absent means self-attention (C = X)
  std::size_t heads = 1;
  Matrix wq, wk;                  // d_model x (heads * d_k)
  Matrix wv;                      // d_model x (heads * d_v)
  std::optional<Matrix> wo;       // (heads * d_v) x d_out
  ScaleKind scale = ScaleKind::sqrt_dk;
  float scale_value = 1.0f;       // used when scale == custom
  MaskKind mask = MaskKind::none;
  Matrix mask_matrix;             // n x m of 1 (keep) / 0 (block) when mask == custom
  Positional positional = Positional::none;
  ScoreKind score = ScoreKind::dot;
  std::vector<float> va;          // d_k weights of the additive score; empty means all ones
};

// Upper bounds that `run` accepts; anything larger is refused with too_large before
// any allocation. The product bound keeps a trace (four n x m matrices per head) under
// about 64 MiB, which a browser tab can always afford.
struct Limits {
  static constexpr std::size_t max_dim = 512;         // n, m, d_model, h*d_k, h*d_v, d_out
  static constexpr std::size_t max_heads = 64;
  static constexpr std::size_t max_head_cells = 1u << 22;  // heads * n * m
};

}  // namespace attention
