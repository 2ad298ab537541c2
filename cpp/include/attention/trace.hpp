// What the engine computed: every named step, kept so the page can show each one.
// Step ids (x, pe, q, k, v, scores, scaled, masked, weights, output, concat, final)
// are the same in C++, JS, the DOM and the docs.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attention/matrix.hpp"

namespace attention {

struct HeadTrace {
  Matrix q, k, v;     // this head's slices: n x d_k, m x d_k, m x d_v (q, k after RoPE)
  Matrix scores;      // n x m: Q_i K_i^T, or the additive score
  Matrix scaled;      // scores * scale
  Matrix masked;      // scaled with blocked entries set to -infinity
  Matrix weights;     // row softmax of masked; an all-blocked row is all zeros
  Matrix output;      // weights * V_i, n x d_v
  std::vector<float> row_max;  // max of each masked row (-inf for an all-blocked row)
  std::vector<float> row_sum;  // sum of exp(masked - row_max) of each row (0 when all blocked)
};

struct Warning {
  std::string code;  // "all_blocked"
  std::size_t head = 0;
  std::size_t row = 0;
  std::string message;
};

struct Trace {
  Matrix x;            // input after positional encoding
  Matrix pe;           // the encoding added to x; empty unless positional == sinusoidal
  Matrix context;      // context after positional encoding; empty for self-attention
  Matrix context_pe;   // the encoding added to the context; empty unless sinusoidal + context
  Matrix q, k, v;      // all heads side by side: n x h*d_k, m x h*d_k, m x h*d_v
  std::vector<HeadTrace> heads;
  Matrix concat;       // n x h*d_v
  Matrix final;        // concat * W_O, or concat when there is no W_O
  float scale = 1.0f;  // the factor applied to the scores
  std::size_t d_k = 0, d_v = 0;
  std::vector<Warning> warnings;
};

}  // namespace attention
