// The backward pass against central finite differences of the double reference, over
// random configs that cover every option (dot and additive scores, RoPE, sinusoidal, all
// masks, cross-attention, several heads, W_O, all scales) and losses on both the final
// output and the attention weights.
#include "attention/backward.hpp"

#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <cmath>
#include <functional>

#include "support.hpp"

using attention::Config;
using attention::Matrix;
using reference::DConfig;
using reference::Mat;

namespace {

// L = sum(final * G) + sum_h sum(weights_h * Gw_h), in double.
double loss(const DConfig& c, const Mat& g, const std::vector<Mat>& gw) {
  const reference::Trace t = reference::run(c);
  double l = 0;
  for (std::size_t r = 0; r < g.size(); ++r)
    for (std::size_t k = 0; k < g[0].size(); ++k) l += t.final[r][k] * g[r][k];
  for (std::size_t h = 0; h < gw.size(); ++h)
    for (std::size_t r = 0; r < gw[h].size(); ++r)
      for (std::size_t k = 0; k < gw[h][0].size(); ++k) l += t.heads[h].weights[r][k] * gw[h][r][k];
  return l;
}

// The field backward() names for a config and its seeds, or "no error".
std::string backward_error_field(const Config& c, const Matrix& d_final, const std::vector<Matrix>& dw) {
  try {
    attention::backward(c, d_final, dw);
  } catch (const attention::AttentionError& e) {
    return e.field();
  }
  return "no error";
}

// Compares a float gradient with central differences of `loss` over every entry `at` names.
// eps = 1e-6: inputs are O(1), so the truncation error (~eps^2 |L'''|) is ~1e-12 and the
// rounding error of a double loss (~1e-16 |L| / eps) ~1e-10, both far below the float32
// gradient's own error (~1e-6 relative), which the 1e-3 tolerance bounds with room.
template <class Floats>
void check_gradient(const char* name, const Floats& got, std::size_t count,
                    const std::function<double&(DConfig&, std::size_t)>& at, DConfig c, const Mat& g,
                    const std::vector<Mat>& gw) {
  INFO(name);
  REQUIRE(got.size() == count);
  std::vector<double> fd(count);
  double largest = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double eps = 1e-6, keep = at(c, i);
    at(c, i) = keep + eps;
    const double up = loss(c, g, gw);
    at(c, i) = keep - eps;
    const double down = loss(c, g, gw);
    at(c, i) = keep;
    fd[i] = (up - down) / (2 * eps);
    largest = std::max(largest, std::fabs(fd[i]));
  }
  for (std::size_t i = 0; i < count; ++i) {
    // relative error <= 1e-3, measured against the entry or, for entries near zero, against
    // a hundredth of the tensor's largest gradient
    const double scale = std::max({std::fabs(fd[i]), 1e-2 * largest, 1e-6});
    if (std::fabs(got[i] - fd[i]) > 1e-3 * scale) {
      INFO("entry " << i << ": backward " << got[i] << ", finite differences " << fd[i]);
      CHECK(std::fabs(got[i] - fd[i]) <= 1e-3 * scale);
      return;
    }
  }
  SUCCEED();
}

std::function<double&(DConfig&, std::size_t)> entry(Mat DConfig::*field) {
  return [field](DConfig& c, std::size_t i) -> double& {
    return (c.*field)[i / (c.*field)[0].size()][i % (c.*field)[0].size()];
  };
}

std::function<double&(DConfig&, std::size_t)> optional_entry(std::optional<Mat> DConfig::*field) {
  return [field](DConfig& c, std::size_t i) -> double& {
    Mat& m = *(c.*field);
    return m[i / m[0].size()][i % m[0].size()];
  };
}

}  // namespace

TEST_CASE("backward matches finite differences for every option", "[backward]") {
  const int seed = GENERATE(range(0, 18));
  support::Rng rng(4242 + seed);
  const std::size_t heads = 1 + seed % 2, d_k = 2 * (1 + seed % 2), d_v = 1 + seed % 3;
  const std::size_t n = 2 + seed % 3, d_model = 2 + (seed / 2) % 3;
  Config c = support::random_config(rng, n, d_model, heads, d_k, d_v);
  if (seed % 3 == 1) c.context = support::random_matrix(2 + seed % 2, d_model, rng);
  const std::size_t m = c.context ? c.context->rows : n;
  if (seed % 2 == 0) c.wo = support::random_matrix(heads * d_v, 2, rng);
  c.positional = static_cast<attention::Positional>(seed % 3);
  c.score = static_cast<attention::ScoreKind>((seed / 3) % 2);
  if (c.score == attention::ScoreKind::additive) {
    c.va.resize(d_k);
    for (float& v : c.va) v = rng.uniform();
  }
  c.scale = static_cast<attention::ScaleKind>((seed / 6) % 3);
  c.scale_value = 0.6f;
  c.mask = static_cast<attention::MaskKind>((seed / 2) % 3);
  if (c.mask == attention::MaskKind::custom) {
    c.mask_matrix = Matrix(n, m, 1.0f);
    c.mask_matrix.at(0, m - 1) = 0.0f;
  }
  const std::size_t d_out = c.wo ? c.wo->cols : heads * d_v;
  const Matrix g = support::random_matrix(n, d_out, rng);
  std::vector<Matrix> gw;
  if (seed % 4 == 3)
    for (std::size_t h = 0; h < heads; ++h) gw.push_back(support::random_matrix(n, m, rng));
  INFO("seed " << seed);

  const attention::Gradients got = attention::backward(c, g, gw);
  const DConfig d = reference::to_double(c);
  const Mat gd = reference::from(g);
  std::vector<Mat> gwd;
  for (const Matrix& w : gw) gwd.push_back(reference::from(w));

  check_gradient("x", got.x.data, n * d_model, entry(&DConfig::x), d, gd, gwd);
  check_gradient("wq", got.wq.data, c.wq.data.size(), entry(&DConfig::wq), d, gd, gwd);
  check_gradient("wk", got.wk.data, c.wk.data.size(), entry(&DConfig::wk), d, gd, gwd);
  check_gradient("wv", got.wv.data, c.wv.data.size(), entry(&DConfig::wv), d, gd, gwd);
  if (c.context)
    check_gradient("context", got.context.data, c.context->data.size(), optional_entry(&DConfig::context), d,
                   gd, gwd);
  else
    CHECK(got.context.empty());
  if (c.wo)
    check_gradient("wo", got.wo.data, c.wo->data.size(), optional_entry(&DConfig::wo), d, gd, gwd);
  else
    CHECK(got.wo.empty());
  if (c.score == attention::ScoreKind::additive) {
    check_gradient(
        "va", got.va, d_k, [](DConfig& dc, std::size_t i) -> double& { return dc.va[i]; }, d, gd, gwd);
  } else {
    CHECK(got.va.empty());
  }
}

TEST_CASE("backward refuses a bad seed gradient", "[backward][errors]") {
  support::Rng rng(1);
  Config c;
  c.x = support::random_matrix(2, 2, rng);
  c.wq = c.wk = c.wv = support::random_matrix(2, 2, rng);
  auto field_of = [&](const Matrix& d_final, const std::vector<Matrix>& dw) {
    return backward_error_field(c, d_final, dw);
  };
  CHECK(field_of(Matrix(3, 2), {}) == "dFinal");
  Matrix nan(2, 2);
  nan.at(1, 1) = std::nanf("");
  CHECK(field_of(nan, {}) == "dFinal");
  CHECK(field_of(Matrix(2, 2), {Matrix(2, 3)}) == "dWeights");
  CHECK(field_of(Matrix(2, 2), {Matrix(2, 2), Matrix(2, 2)}) == "dWeights");
  CHECK(field_of(Matrix(2, 2), {Matrix(2, 2)}) == "no error");
}

TEST_CASE("backward refuses gradients that overflow float32, naming the first one", "[backward][errors]") {
  // Every input is finite and the forward pass is too (run succeeds); only the products of
  // the backward pass leave float32's range (~3.4e38): activations ~1e15-1e20 times seeds
  // ~1e20-1e26 give ~1e40.
  support::Rng rng(7);
  auto scaled = [&](std::size_t rows, std::size_t cols, float by) {
    Matrix m = support::random_matrix(rows, cols, rng);
    // |v| in [0.5, 1.5] x by: no entry near zero keeps a product from overflowing
    for (float& v : m.data) v = (v < 0 ? v - 0.5f : v + 0.5f) * by;
    return m;
  };
  auto error_of = [](const Config& c, const Matrix& d_final) -> std::pair<std::string, std::string> {
    try {
      attention::backward(c, d_final);
    } catch (const attention::AttentionError& e) {
      CHECK(e.code() == attention::ErrorCode::non_finite);
      return {e.field(), e.what()};
    }
    return {"no error", ""};
  };
  Config c;
  std::string field;
  Matrix seed;
  SECTION("through W_O: concat (~1e20) times the seed (~1e20)") {
    c.x = scaled(3, 2, 1.0f);
    c.wq = scaled(2, 2, 1.0f);
    c.wk = scaled(2, 2, 1.0f);
    c.wv = scaled(2, 2, 1e20f);
    c.wo = scaled(2, 2, 1e-10f);
    seed = scaled(3, 2, 1e20f);
    field = "wo";
  }
  SECTION("cross-attention: a context of ~1e15 times key gradients of ~1e26") {
    c.x = scaled(2, 2, 1.0f);
    c.context = scaled(3, 2, 1e15f);
    c.wq = scaled(2, 2, 1.0f);
    c.wk = scaled(2, 2, 1e-15f);
    c.wv = scaled(2, 2, 1e-15f);
    seed = scaled(2, 2, 1e26f);
    field = "wk";  // wv overflows too; wk comes first
  }
  SECTION("self-attention: x of ~1e15 times query gradients of ~1e26") {
    c.x = scaled(3, 2, 1e15f);
    c.wq = scaled(2, 2, 1e-15f);
    c.wk = scaled(2, 2, 1e-15f);
    c.wv = scaled(2, 2, 1e-15f);
    seed = scaled(3, 2, 1e26f);
    field = "wq";
  }
  CHECK_NOTHROW(attention::run(c));
  const auto [got, message] = error_of(c, seed);
  CHECK(got == field);
  CHECK(message.find("the gradient of " + field + " overflowed float32") == 0);
  // The same config with a small seed gives finite gradients: it is the size, not the config.
  for (float& v : seed.data) v *= 1e-30f;
  CHECK(error_of(c, seed).first == "no error");
}

TEST_CASE("backward checks the seeds' shapes before running anything", "[backward][errors]") {
  // This config overflows in the forward pass (q = 1e38 x 1e38), so a seed error can only
  // come first if the seeds are checked before run().
  Config c;
  c.x = Matrix(2, 2, std::vector<float>{1e38f, 1e38f, 1.0f, 2.0f});
  c.wq = Matrix(2, 2, std::vector<float>{1e38f, 0, 0, 1});
  c.wk = Matrix(2, 2, std::vector<float>{1, 0, 0, 1});
  c.wv = c.wk;
  auto field_of = [&](const Matrix& d_final, const std::vector<Matrix>& dw) {
    return backward_error_field(c, d_final, dw);
  };
  CHECK(field_of(Matrix(3, 2), {}) == "dFinal");
  CHECK(field_of(Matrix(2, 2), {Matrix(2, 2), Matrix(2, 2)}) == "dWeights");
  CHECK(field_of(Matrix(2, 2), {Matrix(3, 2)}) == "dWeights");
  CHECK(field_of(Matrix(2, 2), {}) == "q");  // well-shaped seeds: the forward pass's own error
}
