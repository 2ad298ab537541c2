// The attention pipeline, step by step, keeping every intermediate matrix:
// x (+pe) -> q, k, v -> per head: scores -> scaled -> masked -> weights -> output
// -> concat -> final.
#include "attention/attention.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "attention/kernels.hpp"
#include "matrix_ops.hpp"

#ifndef ATTENTION_VERSION
#define ATTENTION_VERSION "0.0.0"
#endif

namespace attention {

const char* version() { return ATTENTION_VERSION; }

namespace {

// PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)).
// Computed in double: positions up to 512 make arguments large enough that float
// evaluation would lose digits the page shows.
Matrix sinusoidal(std::size_t rows, std::size_t d) {
  Matrix pe(rows, d);
  for (std::size_t pos = 0; pos < rows; ++pos) {
    for (std::size_t c = 0; c < d; ++c) {
      const double angle = static_cast<double>(pos) / std::pow(10000.0, static_cast<double>(c - c % 2) / d);
      pe.at(pos, c) = static_cast<float>(c % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
  return pe;
}

// Rotary encoding: within each head, the pair (2i, 2i+1) of row `pos` turns by
// pos * 10000^(-2i/d_k).
void rotate(Matrix& m, std::size_t heads, std::size_t d_k) {
  for (std::size_t pos = 0; pos < m.rows; ++pos) {
    float* row = m.row(pos);
    for (std::size_t h = 0; h < heads; ++h) {
      float* head = row + h * d_k;
      for (std::size_t i = 0; i < d_k / 2; ++i) {
        const double theta =
            static_cast<double>(pos) * std::pow(10000.0, -2.0 * static_cast<double>(i) / d_k);
        const double c = std::cos(theta), s = std::sin(theta);
        const double a = head[2 * i], b = head[2 * i + 1];
        head[2 * i] = static_cast<float>(a * c - b * s);
        head[2 * i + 1] = static_cast<float>(a * s + b * c);
      }
    }
  }
}

// Finite inputs can still overflow float32 in a product (1e38 x 1e38). A step that does is
// reported as non_finite, naming the step, instead of passing inf or NaN on to the page.
void require_finite(const Matrix& m, const char* step) {
  for (float v : m.data) {
    if (!std::isfinite(v)) {
      throw AttentionError(
          ErrorCode::non_finite, step,
          std::string("the ") + step +
              " step overflows float32: the inputs or weights are too large; scale them down");
    }
  }
}

Matrix keep_matrix(const Config& cfg, std::size_t n, std::size_t m) {
  switch (cfg.mask) {
    case MaskKind::custom:
      return cfg.mask_matrix;
    case MaskKind::causal: {
      // Query j may look at keys 0..j only: nothing from the future.
      Matrix keep(n, m);
      for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t k = 0; k <= j && k < m; ++k) keep.at(j, k) = 1.0f;
      }
      return keep;
    }
    case MaskKind::none:
      break;
  }
  return Matrix(n, m, 1.0f);
}

}  // namespace

namespace {
std::size_t forward_count = 0;  // the wasm module is single-threaded; natively tests read it from one thread
}

std::size_t forward_passes() { return forward_count; }

Trace run(const Config& cfg, LimitProfile limits) {
  validate(cfg, limits);
  ++forward_count;
  Trace t;
  const std::size_t n = cfg.x.rows, d_model = cfg.x.cols;
  const bool self = !cfg.context.has_value();
  const std::size_t m = self ? n : cfg.context->rows;
  const std::size_t h = cfg.heads;
  t.d_k = cfg.wq.cols / h;
  t.d_v = cfg.wv.cols / h;

  t.x = cfg.x;
  if (!self) t.context = *cfg.context;
  if (cfg.positional == Positional::sinusoidal) {
    t.pe = sinusoidal(n, d_model);
    t.encoded = ops::add(cfg.x, t.pe);
    if (!self) {
      t.context_pe = sinusoidal(m, d_model);
      t.context_encoded = ops::add(*cfg.context, t.context_pe);
    }
  }
  const Matrix& input = t.queries_in();
  const Matrix& source = t.keys_in();

  t.q = ops::matmul(input, cfg.wq);
  t.k = ops::matmul(source, cfg.wk);
  t.v = ops::matmul(source, cfg.wv);
  if (cfg.positional == Positional::rope) {
    rotate(t.q, h, t.d_k);
    rotate(t.k, h, t.d_k);
  }
  if (!t.encoded.empty()) require_finite(t.encoded, "encoded");
  if (!t.context_encoded.empty()) require_finite(t.context_encoded, "contextEncoded");
  require_finite(t.q, "q");
  require_finite(t.k, "k");
  require_finite(t.v, "v");

  switch (cfg.scale) {
    case ScaleKind::sqrt_dk:
      t.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(t.d_k)));
      break;
    case ScaleKind::none:
      t.scale = 1.0f;
      break;
    case ScaleKind::custom:
      t.scale = static_cast<float>(cfg.scale_value);
      break;
  }
  const Matrix keep = keep_matrix(cfg, n, m);
  const std::vector<float> ones(t.d_k, 1.0f);
  const std::vector<float>& va = cfg.va.empty() ? ones : cfg.va;

  t.concat = Matrix(n, h * t.d_v);
  t.heads.resize(h);
  for (std::size_t i = 0; i < h; ++i) {
    HeadTrace& ht = t.heads[i];
    ht.q = ops::columns(t.q, i * t.d_k, t.d_k);
    ht.k = ops::columns(t.k, i * t.d_k, t.d_k);
    ht.v = ops::columns(t.v, i * t.d_v, t.d_v);

    ht.scores = Matrix(n, m);
    if (cfg.score == ScoreKind::dot) {
      kernels::matmul_nt(ht.q.data.data(), ht.k.data.data(), ht.scores.data.data(), n, m, t.d_k);
    } else {
      kernels::additive_scores(ht.q.data.data(), ht.k.data.data(), va.data(), ht.scores.data.data(), n, m,
                               t.d_k);
    }
    require_finite(ht.scores, "scores");
    ht.scaled = Matrix(n, m);
    kernels::scale(ht.scores.data.data(), t.scale, ht.scaled.data.data(), n * m);
    require_finite(ht.scaled, "scaled");
    ht.masked = Matrix(n, m);
    kernels::apply_mask(ht.scaled.data.data(), keep.data.data(), ht.masked.data.data(), n * m);

    ht.weights = Matrix(n, m);
    ht.row_max.resize(n);
    ht.row_sum.resize(n);
    for (std::size_t r = 0; r < n; ++r) {
      const kernels::SoftmaxStats s = kernels::softmax_row(ht.masked.row(r), ht.weights.row(r), m);
      ht.row_max[r] = s.max;
      ht.row_sum[r] = s.sum;
      if (s.sum == 0.0f) {
        t.warnings.push_back({"all_blocked", i, r,
                              "row " + std::to_string(r) + " of head " + std::to_string(i) +
                                  " has every key blocked by the mask; its weights and output are zero"});
      }
    }

    ht.output = ops::matmul(ht.weights, ht.v);
    require_finite(ht.output, "output");
    ops::set_columns(t.concat, i * t.d_v, ht.output);
  }
  t.final = cfg.wo ? ops::matmul(t.concat, *cfg.wo) : t.concat;
  require_finite(t.final, "final");
  return t;
}

}  // namespace attention
