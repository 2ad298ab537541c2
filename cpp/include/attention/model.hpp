// A tiny transformer built from the engine's own attention (run() and backward()), to show
// attention that was learned: which noun a pronoun refers to (docs/model.md).
//
//   X_0     = E[token_i] + P[i]                      learned token and position embeddings
//   X_{l+1} = X_l + MultiHead_l(X_l)                 layers of self-attention with W_O, residual
//   s_j     = X_L[pronoun] R . X_L[j]                the readout: a pointer score per token
//   p       = softmax(s)                             which token the pronoun refers to
//
// Loss per sentence: -log p[referent], plus `attention_weight` times
// -log(mean over heads of the last layer's attention of the pronoun row on the referent), a
// supervised term on the attention weights themselves (said so in docs/model.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attention/config.hpp"
#include "attention/matrix.hpp"
#include "attention/trace.hpp"

namespace attention::model {

struct Shape {
  std::size_t vocabulary = 0;
  std::size_t max_tokens = 16;  // positions that have an embedding
  std::size_t d_model = 24;
  std::size_t heads = 2;  // each head has d_k = d_v = d_model / heads
  std::size_t layers = 2;
};

// W_Q, W_K, W_V: d_model x d_model (head h uses columns h d_k ... (h+1) d_k - 1);
// W_O: d_model x d_model.
struct Layer {
  Matrix wq, wk, wv, wo;
};

struct Weights {
  Shape shape;
  Matrix embedding;  // vocabulary x d_model
  Matrix position;   // max_tokens x d_model
  std::vector<Layer> layers;
  Matrix readout;  // d_model x d_model (R)
};

// Every parameter matrix with its name, in one fixed order (embedding, position, then per
// layer wq, wk, wv, wo, then readout): the order of Adam's state, of the weights file and of
// the gradient checks.
std::vector<std::pair<std::string, Matrix*>> parameters(Weights& w);
std::vector<std::pair<std::string, const Matrix*>> parameters(const Weights& w);

// Throws AttentionError (bad_config) naming the field when the shape cannot be a model:
// d_model not a multiple of heads, no layers, no vocabulary, or matrices of other sizes.
void check(const Weights& w);

// Weights drawn from a seeded generator: uniform in ±sqrt(3 / d_model) (variance 1/d_model)
// for the matrices, ±0.5 for the embeddings.
Weights initial_weights(const Shape& shape, std::uint64_t seed);

// The same shape, every entry zero (a gradient accumulator).
Weights zeros_like(const Weights& w);

// A sentence as token ids, the index of its pronoun and of the noun it refers to.
struct Example {
  std::vector<std::size_t> tokens;
  std::size_t pronoun = 0;
  std::size_t referent = 0;
};

struct Forward {
  std::vector<Config> configs;  // per layer: the engine's config (x = the layer's input)
  std::vector<Trace> traces;    // per layer: every step of its attention
  Matrix output;                // X_L, n x d_model
  std::vector<float> pointer;   // p: the readout's probability of each token
  std::size_t readout = 0;      // argmax of p
  std::size_t attention = 0;    // argmax over keys of the last layer's pronoun row, mean over heads
};

// Throws AttentionError: bad_config for a token id outside the vocabulary ("tokens") or a
// pronoun outside the sentence ("pronoun"), too_large for more tokens than max_tokens.
Forward forward(const Weights& w, const std::vector<std::size_t>& tokens, std::size_t pronoun);

struct Loss {
  double pointer = 0;    // -log p[referent]
  double attention = 0;  // -log(mean_h A_h[pronoun, referent]) of the last layer, unweighted
};

// The loss of one example and its gradient with respect to every parameter, added into
// `grad` (which has w's shape). The total loss is pointer + attention_weight * attention.
Loss gradients(const Weights& w, const Example& example, float attention_weight, Weights& grad);

struct TrainOptions {
  std::uint64_t seed = 17;  // initial weights and the order of examples
  std::size_t epochs = 6;
  std::size_t batch = 16;
  float learning_rate = 0.003f;  // Adam, beta1 0.9, beta2 0.999, eps 1e-8
  float attention_weight = 0.5f;
};

// Adam over every parameter; deterministic: one thread, a fixed order of operations.
class Adam {
 public:
  Adam(const Weights& w, float learning_rate);
  void step(Weights& w, const Weights& grad, float grad_scale);

 private:
  float lr_;
  std::size_t t_ = 0;
  Weights m_, v_;
};

// Training one batch at a time, for a caller that shows progress between steps (the page's
// worker). Starts from initial_weights(shape, options.seed); each epoch visits the examples
// in a new seeded order, in batches of options.batch, one Adam step per batch.
class Trainer {
 public:
  Trainer(const Shape& shape, std::vector<Example> examples, const TrainOptions& options);
  // Runs `steps` batches; returns the mean loss over their examples.
  double run(std::size_t steps);
  std::size_t steps_per_epoch() const { return (examples_.size() + batch_ - 1) / batch_; }
  std::size_t steps_done() const { return steps_; }
  const Weights& weights() const { return weights_; }

 private:
  std::vector<Example> examples_;
  TrainOptions options_;
  std::size_t batch_;
  Weights weights_;
  Adam adam_;
  std::uint64_t order_state_;
  std::vector<std::size_t> order_;
  std::size_t next_ = 0, steps_ = 0;
};

// Trains from initial_weights(shape, options.seed) on the examples; after every epoch calls
// `progress(epoch, mean loss)` when given. Same seed, same data: the same weights, bit for bit.
Weights train(const Shape& shape, const std::vector<Example>& examples, const TrainOptions& options,
              const std::function<void(std::size_t, double)>& progress = {});

}  // namespace attention::model
