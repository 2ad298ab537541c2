// The tiny transformer (attention/model.hpp): its gradient with respect to every parameter
// against central finite differences of an independent double forward pass built from the
// double reference of attention, and training that lowers the loss and repeats bit for bit.
#include "attention/model.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <cmath>

#include "attention/error.hpp"
#include "support.hpp"

using attention::Matrix;
using attention::model::Example;
using attention::model::Shape;
using attention::model::Weights;
using reference::Mat;

namespace {

// The model's loss in double, from its parameters in the order of model::parameters():
// embedding, position, per layer wq wk wv wo, readout. Written from the formulas in
// model.hpp, sharing no code with cpp/src/model.cpp.
double reference_loss(const std::vector<Mat>& p, const Shape& s, const Example& e, double attention_weight) {
  const std::size_t n = e.tokens.size(), d = s.d_model;
  Mat x(n, std::vector<double>(d));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) x[i][c] = p[0][e.tokens[i]][c] + p[1][i][c];
  reference::Trace last;
  for (std::size_t l = 0; l < s.layers; ++l) {
    reference::DConfig c;
    c.x = x;
    c.heads = s.heads;
    c.wq = p[2 + 4 * l];
    c.wk = p[3 + 4 * l];
    c.wv = p[4 + 4 * l];
    c.wo = p[5 + 4 * l];
    last = reference::run(c);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t k = 0; k < d; ++k) x[i][k] += last.final[i][k];
  }
  const Mat& r = p.back();
  std::vector<double> u(d, 0.0), scores(n, 0.0);
  for (std::size_t b = 0; b < d; ++b)
    for (std::size_t a = 0; a < d; ++a) u[b] += x[e.pronoun][a] * r[a][b];
  double top = -1e300;
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t b = 0; b < d; ++b) scores[j] += u[b] * x[j][b];
    top = std::max(top, scores[j]);
  }
  double sum = 0;
  for (double v : scores) sum += std::exp(v - top);
  const double pointer = -(scores[e.referent] - top - std::log(sum));
  double mean = 0;
  for (const auto& h : last.heads) mean += h.weights[e.pronoun][e.referent] / s.heads;
  return pointer + attention_weight * -std::log(mean);
}

std::vector<Mat> to_double(const Weights& w) {
  std::vector<Mat> out;
  for (const auto& [name, m] : attention::model::parameters(w)) out.push_back(reference::from(*m));
  return out;
}

}  // namespace

TEST_CASE("model gradients match finite differences for every parameter", "[model]") {
  const int seed = GENERATE(1, 2, 3);
  Shape shape;
  shape.vocabulary = 7;
  shape.max_tokens = 8;
  shape.d_model = 4;
  shape.heads = 2;
  shape.layers = 2 + seed % 2;  // two and three layers
  const Weights w = attention::model::initial_weights(shape, 900 + seed);
  support::Rng rng(77 + seed);
  Example e;
  for (int i = 0; i < 6; ++i) e.tokens.push_back(static_cast<std::size_t>(rng.next() % shape.vocabulary));
  e.pronoun = 4;
  e.referent = static_cast<std::size_t>(seed);
  const double lambda = 0.7;

  Weights grad = attention::model::zeros_like(w);
  const auto loss = attention::model::gradients(w, e, static_cast<float>(lambda), grad);
  std::vector<Mat> p = to_double(w);
  // The float forward pass agrees with the double one (float32 rounding over a few layers).
  CHECK(support::close(loss.pointer + lambda * loss.attention, reference_loss(p, shape, e, lambda), 1e-4));

  const auto grads = attention::model::parameters(grad);
  for (std::size_t t = 0; t < p.size(); ++t) {
    INFO(grads[t].first);
    const Matrix& got = *grads[t].second;
    Mat& m = p[t];
    // eps = 1e-6 on O(1) entries: truncation ~1e-12 and double rounding ~1e-10, far below
    // the float32 gradient's own error (~1e-6 relative), which 1e-3 bounds with room.
    std::vector<double> fd;
    double largest = 0;
    for (std::size_t r = 0; r < m.size(); ++r) {
      for (std::size_t c = 0; c < m[r].size(); ++c) {
        const double keep = m[r][c];
        m[r][c] = keep + 1e-6;
        const double up = reference_loss(p, shape, e, lambda);
        m[r][c] = keep - 1e-6;
        const double down = reference_loss(p, shape, e, lambda);
        m[r][c] = keep;
        fd.push_back((up - down) / 2e-6);
        largest = std::max(largest, std::fabs(fd.back()));
      }
    }
    REQUIRE(got.data.size() == fd.size());
    bool all = true;
    for (std::size_t i = 0; i < fd.size() && all; ++i) {
      // relative 1e-3 against the entry, or a hundredth of the tensor's largest gradient
      const double scale = std::max({std::fabs(fd[i]), 1e-2 * largest, 1e-6});
      if (std::fabs(got.data[i] - fd[i]) > 1e-3 * scale) {
        INFO("entry " << i << ": model " << got.data[i] << ", finite differences " << fd[i]);
        CHECK(std::fabs(got.data[i] - fd[i]) <= 1e-3 * scale);
        all = false;
      }
    }
    CHECK(all);
  }
}

namespace {

// A small task of the same kind as the pronoun data: the last token (2 or 3) says whether
// the pronoun (token 1) refers to the first or the second noun (tokens 4..7), wherever
// they stand.
std::vector<Example> toy_examples(std::size_t count) {
  support::Rng rng(5);
  std::vector<Example> out;
  for (std::size_t i = 0; i < count; ++i) {
    Example e;
    const std::size_t fillers = rng.next() % 3;
    for (std::size_t f = 0; f < fillers; ++f) e.tokens.push_back(0);
    const std::size_t first = e.tokens.size();
    e.tokens.push_back(4 + rng.next() % 2);
    e.tokens.push_back(0);
    e.tokens.push_back(6 + rng.next() % 2);
    e.pronoun = e.tokens.size();
    e.tokens.push_back(1);
    const bool to_first = rng.next() % 2 == 0;
    e.tokens.push_back(to_first ? 2 : 3);
    e.referent = to_first ? first : first + 2;
    out.push_back(e);
  }
  return out;
}

}  // namespace

TEST_CASE("training lowers the loss and repeats bit for bit from its seed", "[model][train]") {
  Shape shape;
  shape.vocabulary = 8;
  shape.max_tokens = 8;
  shape.d_model = 8;
  const auto examples = toy_examples(64);
  attention::model::TrainOptions options;
  options.epochs = 15;
  options.learning_rate = 0.02f;
  std::vector<double> losses;
  const Weights a =
      attention::model::train(shape, examples, options, [&](std::size_t, double l) { losses.push_back(l); });
  REQUIRE(losses.size() == options.epochs);
  CHECK(losses.back() < 0.5 * losses.front());
  const Weights b = attention::model::train(shape, examples, options);
  const auto pa = attention::model::parameters(a), pb = attention::model::parameters(b);
  for (std::size_t i = 0; i < pa.size(); ++i) {
    INFO(pa[i].first);
    CHECK(pa[i].second->data == pb[i].second->data);
  }
  options.seed += 1;
  const Weights c = attention::model::train(shape, examples, options);
  CHECK(attention::model::parameters(c)[0].second->data != pa[0].second->data);
}

TEST_CASE("the model refuses what it cannot read", "[model]") {
  Shape shape;
  shape.vocabulary = 5;
  shape.max_tokens = 4;
  shape.d_model = 4;
  const Weights w = attention::model::initial_weights(shape, 1);
  auto field_of = [&](const std::vector<std::size_t>& tokens, std::size_t pronoun) -> std::string {
    try {
      attention::model::forward(w, tokens, pronoun);
    } catch (const attention::AttentionError& e) {
      return std::string(to_string(e.code())) + ":" + e.field();
    }
    return "no error";
  };
  CHECK(field_of({0, 1, 2}, 1) == "no error");
  CHECK(field_of({0, 5, 2}, 1) == "bad_config:tokens");
  CHECK(field_of({0, 1, 2, 3, 4}, 1) == "too_large:tokens");
  CHECK(field_of({0, 1}, 2) == "bad_config:pronoun");
  CHECK(field_of({}, 0) == "bad_config:tokens");
  Weights broken = w;
  broken.layers[1].wk = Matrix(4, 3);
  CHECK_THROWS_AS(attention::model::forward(broken, {0, 1}, 0), attention::AttentionError);
}
