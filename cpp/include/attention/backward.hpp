// The exact backward pass of run(): given dL/d(final) (and, optionally, dL/d(weights) of
// each head, for losses on the attention weights themselves), the gradients with respect
// to every input the config holds.
#pragma once

#include <vector>

#include "attention/config.hpp"
#include "attention/matrix.hpp"
#include "attention/trace.hpp"

namespace attention {

struct Gradients {
  Matrix x;        // n x d_model (through the positional encoding, which adds a constant)
  Matrix context;  // m x d_model; empty for self-attention
  Matrix wq, wk, wv;
  Matrix wo;              // empty when the config has no W_O
  std::vector<float> va;  // d_k; empty unless score == additive
};

// Throws AttentionError like run(), and shape_mismatch / non_finite for d_final ("dFinal")
// or d_weights ("dWeights"), checked before the forward pass runs. d_weights, when given,
// has one n x m matrix per head. A gradient that overflows float32 although every input is
// finite is refused as non_finite with the gradient's name as the field ("wq", "x", ...).
Gradients backward(const Config& config, const Matrix& d_final, const std::vector<Matrix>& d_weights = {});

// The same from a trace that run(config) returned, without running the forward pass again
// (a training step is one forward and one backward). `trace` must come from `config`.
Gradients backward(const Config& config, const Trace& trace, const Matrix& d_final,
                   const std::vector<Matrix>& d_weights = {});

}  // namespace attention
