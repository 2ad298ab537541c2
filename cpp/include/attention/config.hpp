// What to compute: the engine's input, field for field the JSON config of the JS API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
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
  Matrix wq, wk;             // d_model x (heads * d_k)
  Matrix wv;                 // d_model x (heads * d_v)
  std::optional<Matrix> wo;  // (heads * d_v) x d_out
  ScaleKind scale = ScaleKind::sqrt_dk;
  double scale_value = 1.0;  // used when scale == custom (as typed; the kernels use its float)
  MaskKind mask = MaskKind::none;
  Matrix mask_matrix;  // n x m of 1 (keep) / 0 (block) when mask == custom
  Positional positional = Positional::none;
  ScoreKind score = ScoreKind::dot;
  std::vector<float> va;                    // d_k weights of the additive score; empty means all ones
  std::vector<std::string> tokens;          // labels of x's rows (UTF-8); empty means none
  std::vector<std::string> context_tokens;  // labels of the context's rows; empty means none
};

// The fields of the JSON config, in the order their errors are reported, and what kind of
// JavaScript value each one takes (the JS layer converts by kind; the checks are here).
enum class FieldKind { matrix, labels, count, scale, mask, option, vector };
struct FieldDef {
  const char* name;
  FieldKind kind;
  bool required;
};
inline constexpr FieldDef kConfigFields[] = {
    {"x", FieldKind::matrix, true},        {"tokens", FieldKind::labels, false},
    {"context", FieldKind::matrix, false}, {"contextTokens", FieldKind::labels, false},
    {"heads", FieldKind::count, false},    {"wq", FieldKind::matrix, true},
    {"wk", FieldKind::matrix, true},       {"wv", FieldKind::matrix, true},
    {"wo", FieldKind::matrix, false},      {"scale", FieldKind::scale, false},
    {"mask", FieldKind::mask, false},      {"positional", FieldKind::option, false},
    {"score", FieldKind::option, false},   {"va", FieldKind::vector, false},
};

// Upper bounds on a config, checked before any allocation. `engine()` is what `run`
// accepts at all: its product bound keeps a trace (four n x m matrices per head) under
// about 64 MiB, which a browser tab can always afford. `page()` is what the page, the
// widget, share links, embed.html and stored state show: every number becomes a table
// cell there, so the page asks the engine to refuse more before any work is done.
struct Limits {
  std::size_t max_dim;         // any matrix dimension
  std::size_t max_tokens;      // n and m
  std::size_t max_d_model;     // d_model and d_out
  std::size_t max_head_width;  // d_k and d_v
  std::size_t max_heads;
  std::size_t max_head_cells;    // heads * n * m
  std::size_t max_label_length;  // characters (code points) of a token label

  static constexpr Limits engine() { return {512, 512, 512, 512, 64, std::size_t{1} << 22, 200}; }
  static constexpr Limits page() { return {512, 128, 64, 64, 8, 8 * 128 * 128, 200}; }
};

// Which set of limits a call is checked against.
enum class LimitProfile { engine, page };
inline constexpr Limits limits_of(LimitProfile p) {
  return p == LimitProfile::page ? Limits::page() : Limits::engine();
}

}  // namespace attention
