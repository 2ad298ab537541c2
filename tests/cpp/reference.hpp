// An independent double-precision reference of the whole pipeline, for tests only.
// Written as plainly as the formulas: nested loops, std::exp/std::tanh, no shared code
// with cpp/src, so a mistake in the engine cannot hide by being repeated here.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "attention/config.hpp"

namespace reference {

using Mat = std::vector<std::vector<double>>;

inline Mat from(const attention::Matrix& m) {
  Mat out(m.rows, std::vector<double>(m.cols));
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < m.cols; ++c) out[r][c] = m.data[r * m.cols + c];
  return out;
}

inline Mat multiply(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b[0].size(); ++j)
      for (std::size_t p = 0; p < b.size(); ++p) c[i][j] += a[i][p] * b[p][j];
  return c;
}

// The config in double precision, so finite differences can nudge any entry by 1e-6.
struct DConfig {
  Mat x;
  std::optional<Mat> context;
  std::size_t heads = 1;
  Mat wq, wk, wv;
  std::optional<Mat> wo;
  attention::ScaleKind scale = attention::ScaleKind::sqrt_dk;
  double scale_value = 1.0;
  attention::MaskKind mask = attention::MaskKind::none;
  Mat mask_matrix;
  attention::Positional positional = attention::Positional::none;
  attention::ScoreKind score = attention::ScoreKind::dot;
  std::vector<double> va;
};

inline DConfig to_double(const attention::Config& c) {
  DConfig d;
  d.x = from(c.x);
  if (c.context) d.context = from(*c.context);
  d.heads = c.heads;
  d.wq = from(c.wq);
  d.wk = from(c.wk);
  d.wv = from(c.wv);
  if (c.wo) d.wo = from(*c.wo);
  d.scale = c.scale;
  d.scale_value = c.scale_value;
  d.mask = c.mask;
  d.mask_matrix = from(c.mask_matrix);
  d.positional = c.positional;
  d.score = c.score;
  d.va.assign(c.va.begin(), c.va.end());
  return d;
}

struct Head {
  Mat q, k, v, scores, scaled, masked, weights, output;
  std::vector<double> row_max, row_sum;
};

struct Trace {
  Mat x, context, q, k, v, concat, final;
  std::vector<Head> heads;
  double scale = 1.0;
};

inline Trace run(const DConfig& cfg) {
  using attention::Positional;
  const double inf = std::numeric_limits<double>::infinity();
  Trace t;
  t.x = cfg.x;
  const bool self = !cfg.context;
  t.context = self ? t.x : *cfg.context;
  const std::size_t n = t.x.size(), m = t.context.size(), d_model = t.x[0].size();
  if (cfg.positional == Positional::sinusoidal) {
    auto encode = [&](Mat& mat) {
      for (std::size_t pos = 0; pos < mat.size(); ++pos)
        for (std::size_t i = 0; i < d_model; ++i) {
          const double freq = std::pow(10000.0, -double(2 * (i / 2)) / double(d_model));
          mat[pos][i] += (i % 2 == 0) ? std::sin(pos * freq) : std::cos(pos * freq);
        }
    };
    encode(t.x);
    if (self) t.context = t.x; else encode(t.context);
  }
  t.q = multiply(t.x, cfg.wq);
  t.k = multiply(t.context, cfg.wk);
  t.v = multiply(t.context, cfg.wv);
  const std::size_t h = cfg.heads, dk = cfg.wq[0].size() / h, dv = cfg.wv[0].size() / h;
  if (cfg.positional == Positional::rope) {
    auto rotate = [&](Mat& mat) {
      for (std::size_t pos = 0; pos < mat.size(); ++pos)
        for (std::size_t head = 0; head < h; ++head)
          for (std::size_t i = 0; i < dk / 2; ++i) {
            const double theta = pos * std::pow(10000.0, -2.0 * i / dk);
            double& a = mat[pos][head * dk + 2 * i];
            double& b = mat[pos][head * dk + 2 * i + 1];
            const double ra = a * std::cos(theta) - b * std::sin(theta);
            const double rb = a * std::sin(theta) + b * std::cos(theta);
            a = ra;
            b = rb;
          }
    };
    rotate(t.q);
    rotate(t.k);
  }
  switch (cfg.scale) {
    case attention::ScaleKind::sqrt_dk: t.scale = 1.0 / std::sqrt(double(dk)); break;
    case attention::ScaleKind::none: t.scale = 1.0; break;
    case attention::ScaleKind::custom: t.scale = cfg.scale_value; break;
  }
  auto kept = [&](std::size_t j, std::size_t k) {
    switch (cfg.mask) {
      case attention::MaskKind::none: return true;
      case attention::MaskKind::causal: return k <= j;
      case attention::MaskKind::custom: return cfg.mask_matrix[j][k] != 0.0;
    }
    return true;
  };
  t.concat.assign(n, std::vector<double>(h * dv, 0.0));
  for (std::size_t head = 0; head < h; ++head) {
    Head hd;
    auto slice = [](const Mat& mat, std::size_t first, std::size_t count) {
      Mat out(mat.size(), std::vector<double>(count));
      for (std::size_t r = 0; r < mat.size(); ++r)
        for (std::size_t c = 0; c < count; ++c) out[r][c] = mat[r][first + c];
      return out;
    };
    hd.q = slice(t.q, head * dk, dk);
    hd.k = slice(t.k, head * dk, dk);
    hd.v = slice(t.v, head * dv, dv);
    hd.scores.assign(n, std::vector<double>(m, 0.0));
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t k = 0; k < m; ++k)
        for (std::size_t c = 0; c < dk; ++c) {
          if (cfg.score == attention::ScoreKind::dot) {
            hd.scores[j][k] += hd.q[j][c] * hd.k[k][c];
          } else {
            const double va = cfg.va.empty() ? 1.0 : cfg.va[c];
            hd.scores[j][k] += va * std::tanh(hd.q[j][c] + hd.k[k][c]);
          }
        }
    hd.scaled = hd.scores;
    hd.masked = hd.scores;
    hd.weights = hd.scores;
    hd.row_max.assign(n, -inf);
    hd.row_sum.assign(n, 0.0);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t k = 0; k < m; ++k) {
        hd.scaled[j][k] = hd.scores[j][k] * t.scale;
        hd.masked[j][k] = kept(j, k) ? hd.scaled[j][k] : -inf;
        hd.row_max[j] = std::max(hd.row_max[j], hd.masked[j][k]);
      }
      for (std::size_t k = 0; k < m; ++k)
        if (hd.masked[j][k] != -inf) hd.row_sum[j] += std::exp(hd.masked[j][k] - hd.row_max[j]);
      for (std::size_t k = 0; k < m; ++k)
        hd.weights[j][k] = hd.masked[j][k] == -inf ? 0.0 : std::exp(hd.masked[j][k] - hd.row_max[j]) / hd.row_sum[j];
    }
    hd.output = multiply(hd.weights, hd.v);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t c = 0; c < dv; ++c) t.concat[j][head * dv + c] = hd.output[j][c];
    t.heads.push_back(hd);
  }
  t.final = cfg.wo ? multiply(t.concat, *cfg.wo) : t.concat;
  return t;
}

inline Trace run(const attention::Config& cfg) { return run(to_double(cfg)); }

}  // namespace reference
