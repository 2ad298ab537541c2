// Backpropagation through the pipeline of attention.cpp, step by step in reverse:
// final = concat W_O -> per head: output = A V, A = softmax(masked), masked = scaled where
// kept, scaled = scale * scores, scores = Q K^T (or additive) -> RoPE -> Q = X W_Q,
// K = C W_K, V = C W_V -> x = input + PE. Products use the xsimd kernels.
#include "attention/backward.hpp"

#include <cmath>
#include <string>

#include "attention/attention.hpp"
#include "attention/kernels.hpp"
#include "matrix_ops.hpp"

namespace attention {

namespace {

void check_seed(const Matrix& m, std::size_t rows, std::size_t cols, const char* field) {
  if (m.rows != rows || m.cols != cols || m.data.size() != rows * cols) {
    throw AttentionError(ErrorCode::shape_mismatch, field,
                         std::string(field) + " is " + std::to_string(m.rows) + " x " +
                             std::to_string(m.cols) + " but must be " + std::to_string(rows) + " x " +
                             std::to_string(cols));
  }
  for (float v : m.data) {
    if (!std::isfinite(v))
      throw AttentionError(ErrorCode::non_finite, field,
                           std::string(field) + " holds a value that is not finite");
  }
}

// The transpose of RoPE's rotation: turns each pair back by the same angle.
void unrotate(Matrix& m, std::size_t heads, std::size_t d_k) {
  for (std::size_t pos = 0; pos < m.rows; ++pos) {
    for (std::size_t h = 0; h < heads; ++h) {
      float* g = m.row(pos) + h * d_k;
      for (std::size_t i = 0; i < d_k / 2; ++i) {
        const double theta =
            static_cast<double>(pos) * std::pow(10000.0, -2.0 * static_cast<double>(i) / d_k);
        const double c = std::cos(theta), s = std::sin(theta);
        const double a = g[2 * i], b = g[2 * i + 1];
        g[2 * i] = static_cast<float>(a * c + b * s);
        g[2 * i + 1] = static_cast<float>(-a * s + b * c);
      }
    }
  }
}

// Finite inputs and seeds can still overflow float32 on the way back (a 1e20 seed times a
// 1e20 activation), as they can on the way forward in run(). A gradient that did is refused
// as non_finite, naming it, instead of handing inf or NaN to a training loop.
void require_finite_gradient(const float* data, std::size_t size, const char* field) {
  for (std::size_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i])) {
      throw AttentionError(
          ErrorCode::non_finite, field,
          std::string("the gradient of ") + field +
              " overflowed float32: the inputs, weights or seed gradients are too large; scale them down");
    }
  }
}

void require_finite_gradient(const Matrix& m, const char* field) {
  require_finite_gradient(m.data.data(), m.data.size(), field);
}

}  // namespace

// The seeds' shapes, from the config alone: checked before any forward pass runs.
static void check_seeds(const Config& cfg, const Matrix& d_final, const std::vector<Matrix>& d_weights) {
  const std::size_t n = cfg.x.rows, h = cfg.heads;
  const std::size_t m = cfg.context ? cfg.context->rows : n;
  check_seed(d_final, n, cfg.wo ? cfg.wo->cols : cfg.wv.cols, "dFinal");
  if (d_weights.empty()) return;
  if (d_weights.size() != h) {
    throw AttentionError(ErrorCode::shape_mismatch, "dWeights",
                         "dWeights has " + std::to_string(d_weights.size()) + " matrices but there are " +
                             std::to_string(h) + " heads");
  }
  for (const Matrix& dw : d_weights) check_seed(dw, n, m, "dWeights");
}

Gradients backward(const Config& cfg, const Matrix& d_final, const std::vector<Matrix>& d_weights) {
  // A seed of the wrong shape is refused without running anything (validate is cheap next
  // to run, which repeats it).
  validate(cfg);
  check_seeds(cfg, d_final, d_weights);
  return backward(cfg, run(cfg), d_final, d_weights);
}

Gradients backward(const Config& cfg, const Trace& t, const Matrix& d_final,
                   const std::vector<Matrix>& d_weights) {
  check_seeds(cfg, d_final, d_weights);
  const bool self = !cfg.context.has_value();
  const std::size_t n = cfg.x.rows, h = cfg.heads;
  const std::size_t m = self ? n : cfg.context->rows;
  const std::size_t dk = t.d_k, dv = t.d_v;

  Gradients g;
  Matrix d_concat = d_final;
  if (cfg.wo) {
    g.wo = ops::matmul_tn(t.concat, d_final);
    d_concat = ops::matmul_nt(d_final, *cfg.wo);
  }

  Matrix d_q(n, h * dk), d_k(m, h * dk), d_v(m, h * dv);
  const bool additive = cfg.score == ScoreKind::additive;
  if (additive) g.va.assign(dk, 0.0f);
  const std::vector<float> ones(dk, 1.0f);
  const std::vector<float>& va = cfg.va.empty() ? ones : cfg.va;

  for (std::size_t i = 0; i < h; ++i) {
    const HeadTrace& ht = t.heads[i];
    const Matrix d_out = ops::columns(d_concat, i * dv, dv);

    // output = A V
    Matrix d_a = ops::matmul_nt(d_out, ht.v);
    if (!d_weights.empty()) d_a = ops::add(d_a, d_weights[i]);
    const Matrix d_vh = ops::matmul_tn(ht.weights, d_out);

    // A = softmax(masked) row by row: dS = A * (dA - sum_k A dA). Blocked keys have A = 0,
    // so the mask passes no gradient to them; then scaled = scale * scores.
    Matrix d_scores(n, m);
    for (std::size_t r = 0; r < n; ++r) {
      double dot = 0;
      for (std::size_t c = 0; c < m; ++c) dot += double(ht.weights.at(r, c)) * d_a.at(r, c);
      for (std::size_t c = 0; c < m; ++c) {
        d_scores.at(r, c) = static_cast<float>(ht.weights.at(r, c) * (d_a.at(r, c) - dot) * t.scale);
      }
    }

    Matrix d_qh, d_kh;
    if (!additive) {
      d_qh = ops::matmul(d_scores, ht.k);  // scores = Q K^T
      d_kh = ops::matmul_tn(d_scores, ht.q);
    } else {
      // scores_jk = sum_c va_c tanh(q_jc + k_kc)
      d_qh = Matrix(n, dk);
      d_kh = Matrix(m, dk);
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < m; ++c) {
          const float ds = d_scores.at(r, c);
          if (ds == 0.0f) continue;
          for (std::size_t p = 0; p < dk; ++p) {
            const float th = std::tanh(ht.q.at(r, p) + ht.k.at(c, p));
            const float common = ds * va[p] * (1.0f - th * th);
            d_qh.at(r, p) += common;
            d_kh.at(c, p) += common;
            g.va[p] += ds * th;
          }
        }
      }
    }
    ops::set_columns(d_q, i * dk, d_qh);
    ops::set_columns(d_k, i * dk, d_kh);
    ops::set_columns(d_v, i * dv, d_vh);
  }

  if (cfg.positional == Positional::rope) {
    unrotate(d_q, h, dk);
    unrotate(d_k, h, dk);
  }

  // Q = X W_Q, K = C W_K, V = C W_V; the positional encoding adds a constant, so the
  // gradient with respect to the input is the gradient with respect to x.
  const Matrix& source = t.keys_in();
  g.wq = ops::matmul_tn(t.queries_in(), d_q);
  g.wk = ops::matmul_tn(source, d_k);
  g.wv = ops::matmul_tn(source, d_v);
  g.x = ops::matmul_nt(d_q, cfg.wq);
  Matrix d_source = ops::matmul_nt(d_k, cfg.wk);
  d_source = ops::add(d_source, ops::matmul_nt(d_v, cfg.wv));
  if (self)
    g.x = ops::add(g.x, d_source);
  else
    g.context = std::move(d_source);
  // In the order they were computed, so the name is the first gradient that overflowed.
  if (cfg.wo) require_finite_gradient(g.wo, "wo");
  require_finite_gradient(g.va.data(), g.va.size(), "va");
  require_finite_gradient(g.wq, "wq");
  require_finite_gradient(g.wk, "wk");
  require_finite_gradient(g.wv, "wv");
  require_finite_gradient(g.x, "x");
  if (!self) require_finite_gradient(g.context, "context");
  return g;
}

}  // namespace attention
