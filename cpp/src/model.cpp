// The tiny transformer of model.hpp: each layer is one call of the engine's run() (every
// step kept, so the page can show it) and, for training, one call of backward() from that
// trace; what lies between the layers (embeddings, residuals, the pointer readout, Adam) is
// here. Products go through the xsimd kernels (matrix_ops.hpp, kernels.hpp).
#include "attention/model.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "attention/attention.hpp"
#include "attention/backward.hpp"
#include "attention/error.hpp"
#include "attention/kernels.hpp"
#include "attention/rng.hpp"
#include "matrix_ops.hpp"

namespace attention::model {

namespace {

[[noreturn]] void bad(const char* field, const std::string& message) {
  throw AttentionError(ErrorCode::bad_config, field, message);
}

void check_matrix(const Matrix& m, std::size_t rows, std::size_t cols, const std::string& name) {
  if (m.rows != rows || m.cols != cols || m.data.size() != rows * cols) {
    throw AttentionError(ErrorCode::shape_mismatch, name,
                         name + " is " + std::to_string(m.rows) + " x " + std::to_string(m.cols) +
                             " but the model's shape needs " + std::to_string(rows) + " x " +
                             std::to_string(cols));
  }
}

Config layer_config(const Weights& w, const Layer& layer, Matrix x) {
  Config c;
  c.x = std::move(x);
  c.heads = w.shape.heads;
  c.wq = layer.wq;
  c.wk = layer.wk;
  c.wv = layer.wv;
  c.wo = layer.wo;
  return c;
}

// Mean over heads of one row of the last layer's attention weights.
std::vector<float> mean_attention_row(const Trace& t, std::size_t row) {
  std::vector<float> mean(t.heads[0].weights.cols, 0.0f);
  for (const HeadTrace& h : t.heads)
    for (std::size_t k = 0; k < mean.size(); ++k) mean[k] += h.weights.at(row, k) / t.heads.size();
  return mean;
}

}  // namespace

std::vector<std::pair<std::string, Matrix*>> parameters(Weights& w) {
  std::vector<std::pair<std::string, Matrix*>> out{{"embedding", &w.embedding}, {"position", &w.position}};
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    const std::string p = "layers[" + std::to_string(l) + "].";
    out.push_back({p + "wq", &w.layers[l].wq});
    out.push_back({p + "wk", &w.layers[l].wk});
    out.push_back({p + "wv", &w.layers[l].wv});
    out.push_back({p + "wo", &w.layers[l].wo});
  }
  out.push_back({"readout", &w.readout});
  return out;
}

std::vector<std::pair<std::string, const Matrix*>> parameters(const Weights& w) {
  std::vector<std::pair<std::string, const Matrix*>> out;
  for (const auto& [name, m] : parameters(const_cast<Weights&>(w))) out.push_back({name, m});
  return out;
}

void check(const Weights& w) {
  const Shape& s = w.shape;
  if (s.vocabulary == 0) bad("vocabulary", "the model has no vocabulary");
  if (s.max_tokens == 0) bad("maxTokens", "the model has no positions");
  if (s.heads == 0 || s.d_model == 0 || s.d_model % s.heads != 0) {
    bad("heads", "d_model (" + std::to_string(s.d_model) + ") must be a positive multiple of heads (" +
                     std::to_string(s.heads) + ")");
  }
  if (s.layers == 0 || w.layers.size() != s.layers) {
    bad("layers", "the model needs at least one layer and one set of weights per layer");
  }
  check_matrix(w.embedding, s.vocabulary, s.d_model, "embedding");
  check_matrix(w.position, s.max_tokens, s.d_model, "position");
  for (std::size_t l = 0; l < s.layers; ++l) {
    const std::string p = "layers[" + std::to_string(l) + "].";
    for (const auto& [name, m] : {std::pair<const char*, const Matrix*>{"wq", &w.layers[l].wq},
                                  {"wk", &w.layers[l].wk},
                                  {"wv", &w.layers[l].wv},
                                  {"wo", &w.layers[l].wo}}) {
      check_matrix(*m, s.d_model, s.d_model, p + name);
    }
  }
  check_matrix(w.readout, s.d_model, s.d_model, "readout");
}

Weights zeros_like(const Weights& w) {
  Weights z;
  z.shape = w.shape;
  z.layers.resize(w.layers.size());
  auto from = parameters(w);
  auto to = parameters(z);
  for (std::size_t i = 0; i < from.size(); ++i)
    *to[i].second = Matrix(from[i].second->rows, from[i].second->cols);
  return z;
}

Weights initial_weights(const Shape& shape, std::uint64_t seed) {
  Weights w;
  w.shape = shape;
  const std::size_t d = shape.d_model;
  w.embedding = Matrix(shape.vocabulary, d);
  w.position = Matrix(shape.max_tokens, d);
  w.layers.resize(shape.layers);
  for (Layer& l : w.layers) l.wq = l.wk = l.wv = l.wo = Matrix(d, d);
  w.readout = Matrix(d, d);
  Rng rng(seed);
  const float range = std::sqrt(3.0f / static_cast<float>(d));
  for (auto& [name, m] : parameters(w)) {
    const bool embedding = name == "embedding" || name == "position";
    for (float& v : m->data) v = rng.symmetric(embedding ? 0.5f : range);
  }
  check(w);
  return w;
}

Forward forward(const Weights& w, const std::vector<std::size_t>& tokens, std::size_t pronoun) {
  check(w);
  const std::size_t n = tokens.size(), d = w.shape.d_model;
  if (n == 0) bad("tokens", "the sentence has no words");
  if (n > w.shape.max_tokens) {
    throw AttentionError(ErrorCode::too_large, "tokens",
                         "the sentence has " + std::to_string(n) + " words; the model knows positions for " +
                             std::to_string(w.shape.max_tokens));
  }
  if (pronoun >= n) bad("pronoun", "the pronoun's index is outside the sentence");
  Matrix x(n, d);
  for (std::size_t i = 0; i < n; ++i) {
    if (tokens[i] >= w.shape.vocabulary) {
      bad("tokens", "token id " + std::to_string(tokens[i]) + " is outside the vocabulary of " +
                        std::to_string(w.shape.vocabulary));
    }
    kernels::add(w.embedding.row(tokens[i]), w.position.row(i), x.row(i), d);
  }
  Forward f;
  for (const Layer& layer : w.layers) {
    f.configs.push_back(layer_config(w, layer, x));
    f.traces.push_back(run(f.configs.back()));
    x = ops::add(x, f.traces.back().final);  // the residual connection
  }
  // s = X (X[pronoun] R)^T, one score per token
  Matrix u(1, d);
  kernels::matmul(x.row(pronoun), w.readout.data.data(), u.data.data(), 1, d, d);
  Matrix scores = ops::matmul_nt(u, x);
  f.pointer.resize(n);
  kernels::softmax_row(scores.data.data(), f.pointer.data(), n);
  f.readout =
      static_cast<std::size_t>(std::max_element(f.pointer.begin(), f.pointer.end()) - f.pointer.begin());
  const std::vector<float> mean = mean_attention_row(f.traces.back(), pronoun);
  f.attention = static_cast<std::size_t>(std::max_element(mean.begin(), mean.end()) - mean.begin());
  f.output = std::move(x);
  return f;
}

Loss gradients(const Weights& w, const Example& e, float attention_weight, Weights& grad) {
  const Forward f = forward(w, e.tokens, e.pronoun);
  if (e.referent >= e.tokens.size()) bad("referent", "the referent's index is outside the sentence");
  const std::size_t n = e.tokens.size(), d = w.shape.d_model, h = w.shape.heads;
  const Matrix& x = f.output;
  Loss loss;
  loss.pointer = -std::log(std::max(static_cast<double>(f.pointer[e.referent]), 1e-30));

  // Pointer readout: ds_j = p_j - [j = referent]; s_j = u . x_j with u = x_p R.
  Matrix ds(1, n);
  for (std::size_t j = 0; j < n; ++j) ds.data[j] = f.pointer[j] - (j == e.referent ? 1.0f : 0.0f);
  Matrix u(1, d);
  kernels::matmul(x.row(e.pronoun), w.readout.data.data(), u.data.data(), 1, d, d);
  Matrix dx = ops::matmul_tn(ds, u);  // dx_j = ds_j u
  const Matrix du = ops::matmul(ds, x);
  Matrix xp(1, d);
  std::copy(x.row(e.pronoun), x.row(e.pronoun) + d, xp.data.begin());
  grad.readout = ops::add(grad.readout, ops::matmul_tn(xp, du));
  const Matrix dxp = ops::matmul_nt(du, w.readout);  // du R^T
  kernels::add(dx.row(e.pronoun), dxp.data.data(), dx.row(e.pronoun), d);

  // The supervised attention term on the last layer: L = -log(mean_h A_h[p, r]).
  const Trace& last = f.traces.back();
  double mean = 0;
  for (const HeadTrace& ht : last.heads) mean += ht.weights.at(e.pronoun, e.referent) / h;
  mean = std::max(mean, 1e-30);
  loss.attention = -std::log(mean);
  std::vector<Matrix> d_weights;
  if (attention_weight != 0.0f) {
    d_weights.assign(h, Matrix(n, n));
    for (Matrix& m : d_weights)
      m.at(e.pronoun, e.referent) = static_cast<float>(-attention_weight / (h * mean));
  }

  // Back through the layers: X_{l+1} = X_l + final_l, so dX_l = dX_{l+1} + dfinal_l/dX_l.
  for (std::size_t l = w.layers.size(); l-- > 0;) {
    const Gradients g =
        backward(f.configs[l], f.traces[l], dx, l + 1 == w.layers.size() ? d_weights : std::vector<Matrix>{});
    Layer& gl = grad.layers[l];
    gl.wq = ops::add(gl.wq, g.wq);
    gl.wk = ops::add(gl.wk, g.wk);
    gl.wv = ops::add(gl.wv, g.wv);
    gl.wo = ops::add(gl.wo, g.wo);
    dx = ops::add(dx, g.x);
  }
  for (std::size_t i = 0; i < n; ++i) {
    kernels::add(grad.embedding.row(e.tokens[i]), dx.row(i), grad.embedding.row(e.tokens[i]), d);
    kernels::add(grad.position.row(i), dx.row(i), grad.position.row(i), d);
  }
  return loss;
}

Adam::Adam(const Weights& w, float learning_rate)
    : lr_(learning_rate), m_(zeros_like(w)), v_(zeros_like(w)) {}

void Adam::step(Weights& w, const Weights& grad, float grad_scale) {
  constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  ++t_;
  const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t_));
  const double c2 = 1.0 - std::pow(beta2, static_cast<double>(t_));
  auto params = parameters(w);
  auto grads = parameters(grad);
  auto ms = parameters(m_);
  auto vs = parameters(v_);
  for (std::size_t p = 0; p < params.size(); ++p) {
    FloatVector& value = params[p].second->data;
    const FloatVector& g = grads[p].second->data;
    FloatVector& m = ms[p].second->data;
    FloatVector& v = vs[p].second->data;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const double gi = static_cast<double>(g[i]) * grad_scale;
      m[i] = static_cast<float>(beta1 * m[i] + (1 - beta1) * gi);
      v[i] = static_cast<float>(beta2 * v[i] + (1 - beta2) * gi * gi);
      value[i] -= static_cast<float>(lr_ * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
    }
  }
}

Trainer::Trainer(const Shape& shape, std::vector<Example> examples, const TrainOptions& options)
    : examples_(std::move(examples)),
      options_(options),
      batch_(std::max<std::size_t>(options.batch, 1)),
      weights_(initial_weights(shape, options.seed)),
      adam_(weights_, options.learning_rate),
      order_state_(options.seed ^ 0x5eedULL) {
  if (examples_.empty()) bad("examples", "there is nothing to train on");
  for (std::size_t i = 0; i < examples_.size(); ++i) order_.push_back(i);
}

double Trainer::run(std::size_t steps) {
  double total = 0;
  std::size_t count = 0;
  for (std::size_t s = 0; s < steps; ++s) {
    if (next_ == 0) {
      // A new epoch: Fisher-Yates with the seeded generator, the same order everywhere.
      Rng rng(order_state_);
      for (std::size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng.below(i)]);
      order_state_ = rng.next();
    }
    const std::size_t end = std::min(order_.size(), next_ + batch_);
    Weights grad = zeros_like(weights_);
    for (std::size_t i = next_; i < end; ++i) {
      const Loss l = gradients(weights_, examples_[order_[i]], options_.attention_weight, grad);
      total += l.pointer + options_.attention_weight * l.attention;
    }
    adam_.step(weights_, grad, 1.0f / static_cast<float>(end - next_));
    count += end - next_;
    next_ = end == order_.size() ? 0 : end;
    ++steps_;
  }
  return count ? total / static_cast<double>(count) : 0.0;
}

Weights train(const Shape& shape, const std::vector<Example>& examples, const TrainOptions& options,
              const std::function<void(std::size_t, double)>& progress) {
  Trainer trainer(shape, examples, options);
  for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const double loss = trainer.run(trainer.steps_per_epoch());
    if (progress) progress(epoch, loss);
  }
  return trainer.weights();
}

}  // namespace attention::model
