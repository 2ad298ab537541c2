// The one double-precision reference of attention in C++, for tests and the native
// benchmark. Written as plainly as the formulas: nested loops, std::exp/std::tanh, no shared
// code with cpp/src, so a mistake in the engine cannot hide by being repeated here.
// Built from single-head pieces (products, scores, softmax row, one head) that the kernel
// and fused-kernel tests call directly; run() chains them into the whole pipeline.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "attention/config.hpp"
#include "attention/fused.hpp"

namespace reference {

using Mat = std::vector<std::vector<double>>;

// rows x cols floats, row-major, from any address (the kernel tests read misaligned ones).
inline Mat from(const float* data, std::size_t rows, std::size_t cols) {
  Mat out(rows, std::vector<double>(cols));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c) out[r][c] = data[r * cols + c];
  return out;
}

inline Mat from(const attention::Matrix& m) { return from(m.data.data(), m.rows, m.cols); }

// a b
inline Mat multiply(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b[0].size(), 0.0));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b[0].size(); ++j)
      for (std::size_t p = 0; p < b.size(); ++p) c[i][j] += a[i][p] * b[p][j];
  return c;
}

// a b^T: entry [j][k] is row j of a dotted with row k of b (the dot scores Q K^T).
inline Mat multiply_nt(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b.size(), 0.0));
  for (std::size_t j = 0; j < a.size(); ++j)
    for (std::size_t k = 0; k < b.size(); ++k)
      for (std::size_t p = 0; p < a[j].size(); ++p) c[j][k] += a[j][p] * b[k][p];
  return c;
}

// Additive scores: entry [j][k] = sum_c va_c tanh(q_jc + k_kc); an empty va means ones.
inline Mat additive_scores(const Mat& q, const Mat& k, const std::vector<double>& va) {
  Mat c(q.size(), std::vector<double>(k.size(), 0.0));
  for (std::size_t j = 0; j < q.size(); ++j)
    for (std::size_t kk = 0; kk < k.size(); ++kk)
      for (std::size_t p = 0; p < q[j].size(); ++p)
        c[j][kk] += (va.empty() ? 1.0 : va[p]) * std::tanh(q[j][p] + k[kk][p]);
  return c;
}

// One softmax row with the max and the sum the page shows: weights exp(x - max) / sum.
// -infinity entries (blocked keys) get exactly 0; a row with every entry blocked gets zero
// weights, max -infinity and sum 0, never NaN.
struct SoftmaxRow {
  std::vector<double> weights;
  double max;
  double sum;
};

inline SoftmaxRow softmax_row(const std::vector<double>& x) {
  const double inf = std::numeric_limits<double>::infinity();
  SoftmaxRow s{std::vector<double>(x.size(), 0.0), -inf, 0.0};
  for (double v : x) s.max = std::max(s.max, v);
  for (double v : x)
    if (v != -inf) s.sum += std::exp(v - s.max);
  for (std::size_t k = 0; k < x.size(); ++k)
    s.weights[k] = x[k] == -inf ? 0.0 : std::exp(x[k] - s.max) / s.sum;
  return s;
}

// Whether query j sees key k.
using Keep = std::function<bool(std::size_t j, std::size_t k)>;
inline bool keep_all(std::size_t, std::size_t) { return true; }
inline bool keep_causal(std::size_t j, std::size_t k) { return k <= j; }

struct Head {
  Mat q, k, v, scores, scaled, masked, weights, output;
  std::vector<double> row_max, row_sum;
};

// One head from its scores, every step kept: scaled = scores * scale, masked = -infinity
// where `keep` says no, weights = the softmax of each masked row, output = weights V.
inline Head head(Mat q, Mat k, Mat v, Mat scores, double scale, const Keep& keep) {
  const double inf = std::numeric_limits<double>::infinity();
  Head hd;
  hd.q = std::move(q);
  hd.k = std::move(k);
  hd.v = std::move(v);
  hd.scores = std::move(scores);
  hd.scaled = hd.scores;
  hd.masked = hd.scores;
  hd.weights = hd.scores;
  for (std::size_t j = 0; j < hd.scores.size(); ++j) {
    for (std::size_t k = 0; k < hd.scores[j].size(); ++k) {
      hd.scaled[j][k] = hd.scores[j][k] * scale;
      hd.masked[j][k] = keep(j, k) ? hd.scaled[j][k] : -inf;
    }
    SoftmaxRow s = softmax_row(hd.masked[j]);
    hd.weights[j] = std::move(s.weights);
    hd.row_max.push_back(s.max);
    hd.row_sum.push_back(s.sum);
  }
  hd.output = multiply(hd.weights, hd.v);
  return hd;
}

// softmax(Q K^T * scale) V for one head, with Causal::yes query j seeing keys 0..j: what
// attention::fused_attention computes.
inline Mat softmax_attention(const Mat& q, const Mat& k, const Mat& v, double scale,
                             attention::Causal causal) {
  return head(q, k, v, multiply_nt(q, k), scale, causal == attention::Causal::yes ? keep_causal : keep_all)
      .output;
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

struct Trace {
  Mat x, context, q, k, v, concat, final;
  std::vector<Head> heads;
  double scale = 1.0;
};

inline Trace run(const DConfig& cfg) {
  using attention::Positional;
  Trace t;
  t.x = cfg.x;
  const bool self = !cfg.context;
  t.context = self ? t.x : *cfg.context;
  const std::size_t n = t.x.size(), d_model = t.x[0].size();
  if (cfg.positional == Positional::sinusoidal) {
    auto encode = [&](Mat& mat) {
      for (std::size_t pos = 0; pos < mat.size(); ++pos)
        for (std::size_t i = 0; i < d_model; ++i) {
          const double freq = std::pow(10000.0, -double(2 * (i / 2)) / double(d_model));
          mat[pos][i] += (i % 2 == 0) ? std::sin(pos * freq) : std::cos(pos * freq);
        }
    };
    encode(t.x);
    if (self)
      t.context = t.x;
    else
      encode(t.context);
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
    case attention::ScaleKind::sqrt_dk:
      t.scale = 1.0 / std::sqrt(double(dk));
      break;
    case attention::ScaleKind::none:
      t.scale = 1.0;
      break;
    case attention::ScaleKind::custom:
      t.scale = cfg.scale_value;
      break;
  }
  const Keep kept = [&](std::size_t j, std::size_t k) {
    switch (cfg.mask) {
      case attention::MaskKind::none:
        return true;
      case attention::MaskKind::causal:
        return keep_causal(j, k);
      case attention::MaskKind::custom:
        return cfg.mask_matrix[j][k] != 0.0;
    }
    return true;
  };
  auto slice = [](const Mat& mat, std::size_t first, std::size_t count) {
    Mat out(mat.size(), std::vector<double>(count));
    for (std::size_t r = 0; r < mat.size(); ++r)
      for (std::size_t c = 0; c < count; ++c) out[r][c] = mat[r][first + c];
    return out;
  };
  t.concat.assign(n, std::vector<double>(h * dv, 0.0));
  for (std::size_t i = 0; i < h; ++i) {
    Mat q = slice(t.q, i * dk, dk), k = slice(t.k, i * dk, dk), v = slice(t.v, i * dv, dv);
    Mat scores = cfg.score == attention::ScoreKind::dot ? multiply_nt(q, k) : additive_scores(q, k, cfg.va);
    Head hd = head(std::move(q), std::move(k), std::move(v), std::move(scores), t.scale, kept);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t c = 0; c < dv; ++c) t.concat[j][i * dv + c] = hd.output[j][c];
    t.heads.push_back(std::move(hd));
  }
  t.final = cfg.wo ? multiply(t.concat, *cfg.wo) : t.concat;
  return t;
}

inline Trace run(const attention::Config& cfg) { return run(to_double(cfg)); }

}  // namespace reference
