// What the engine computed: every named step, kept so the page can show each one.
// The steps are defined once, in kSteps below: their ids (the same in C++, JS, the DOM
// and the docs), their order, whether there is one per head, and where the trace keeps
// them. The Embind bindings, the trace dump and the tests loop over that table; adding a
// step is one member here and one row in kSteps.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "attention/matrix.hpp"

namespace attention {

struct HeadTrace {
  Matrix q, k, v;              // this head's slices: n x d_k, m x d_k, m x d_v (q, k after RoPE)
  Matrix scores;               // n x m: Q_i K_i^T, or the additive score
  Matrix scaled;               // scores * scale
  Matrix masked;               // scaled with blocked entries set to -infinity
  Matrix weights;              // row softmax of masked; an all-blocked row is all zeros
  Matrix output;               // weights * V_i, n x d_v
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
  Matrix x;                // the input as given, n x d_model
  Matrix pe;               // the encoding added to x; empty unless positional == sinusoidal
  Matrix encoded;          // x + pe, what the projections read; empty unless sinusoidal
  Matrix context;          // the context as given, m x d_model; empty for self-attention
  Matrix context_pe;       // the encoding added to the context; empty unless sinusoidal + context
  Matrix context_encoded;  // context + context_pe; empty unless sinusoidal + context
  Matrix q, k, v;          // all heads side by side: n x h*d_k, m x h*d_k, m x h*d_v
  std::vector<HeadTrace> heads;
  Matrix concat;       // n x h*d_v
  Matrix final;        // concat * W_O, or concat when there is no W_O
  float scale = 1.0f;  // the factor applied to the scores
  std::size_t d_k = 0, d_v = 0;
  std::vector<Warning> warnings;

  // What the projections read: the encoded input when there is one.
  const Matrix& queries_in() const { return encoded.empty() ? x : encoded; }
  const Matrix& keys_in() const {
    if (context.empty()) return queries_in();
    return context_encoded.empty() ? context : context_encoded;
  }
};

// One row of the step table: a step lives either in the Trace (one matrix) or in every
// HeadTrace (one matrix per head).
struct StepDef {
  const char* id;
  Matrix Trace::*whole;     // set for steps of the whole computation
  Matrix HeadTrace::*head;  // set for per-head steps
};

// Every step, in the order the computation produces it.
inline constexpr StepDef kSteps[] = {
    {"x", &Trace::x, nullptr},
    {"pe", &Trace::pe, nullptr},
    {"encoded", &Trace::encoded, nullptr},
    {"context", &Trace::context, nullptr},
    {"contextPe", &Trace::context_pe, nullptr},
    {"contextEncoded", &Trace::context_encoded, nullptr},
    {"q", &Trace::q, nullptr},
    {"k", &Trace::k, nullptr},
    {"v", &Trace::v, nullptr},
    {"scores", nullptr, &HeadTrace::scores},
    {"scaled", nullptr, &HeadTrace::scaled},
    {"masked", nullptr, &HeadTrace::masked},
    {"weights", nullptr, &HeadTrace::weights},
    {"output", nullptr, &HeadTrace::output},
    {"concat", &Trace::concat, nullptr},
    {"final", &Trace::final, nullptr},
};

// Each head's slices of q, k and v (columns of the whole-computation steps), kept beside
// the per-head steps because the page explains a score from them.
struct HeadSliceDef {
  const char* id;
  Matrix HeadTrace::*head;
};
inline constexpr HeadSliceDef kHeadSlices[] = {
    {"q", &HeadTrace::q}, {"k", &HeadTrace::k}, {"v", &HeadTrace::v}};

// One named tensor of a trace: the trace as an ordered list.
struct NamedTensor {
  const char* id;
  int head;              // -1 for a step of the whole computation
  int layer;             // -1: the engine has one layer today
  const Matrix* matrix;  // never empty: absent steps are left out
};

// The trace's steps in order (per-head steps head by head), leaving out the empty ones
// (no positional encoding, self-attention).
inline std::vector<NamedTensor> steps_of(const Trace& t) {
  std::vector<NamedTensor> out;
  for (const StepDef& s : kSteps) {
    if (s.whole) {
      if (!(t.*s.whole).empty()) out.push_back({s.id, -1, -1, &(t.*s.whole)});
      continue;
    }
    for (std::size_t h = 0; h < t.heads.size(); ++h) {
      out.push_back({s.id, static_cast<int>(h), -1, &(t.heads[h].*s.head)});
    }
  }
  return out;
}

}  // namespace attention
