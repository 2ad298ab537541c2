// The whole pipeline against the double reference, the seeds' worked examples, the
// properties attention must have, and every error code.
#include <catch2/catch_test_macros.hpp>
#include <catch2/generators/catch_generators.hpp>
#include <catch2/generators/catch_generators_range.hpp>
#include <cmath>
#include <limits>

#include "attention/backward.hpp"
#include "json_config.hpp"
#include "support.hpp"

using attention::Config;
using attention::ErrorCode;
using attention::Matrix;
using support::Rng;

namespace {

// Float32 pipelines of a few small products and a softmax stay within ~1e-5 of the
// double result for entries of order 1 (each step adds a few ulp, 2^-24 ~ 6e-8, times
// the reduction length <= 16 here, times the condition of exp for scores of order 5).
constexpr double pipeline_tol = 2e-5;

void check_against_reference(const Config& cfg) {
  const attention::Trace got = attention::run(cfg);
  const reference::Trace want = reference::run(cfg);
  support::check_matrix(got.queries_in(), want.x, pipeline_tol, "encoded");
  support::check_matrix(got.q, want.q, pipeline_tol, "q");
  support::check_matrix(got.k, want.k, pipeline_tol, "k");
  support::check_matrix(got.v, want.v, pipeline_tol, "v");
  REQUIRE(got.heads.size() == want.heads.size());
  for (std::size_t h = 0; h < got.heads.size(); ++h) {
    INFO("head " << h);
    const auto& g = got.heads[h];
    const auto& w = want.heads[h];
    support::check_matrix(g.scores, w.scores, pipeline_tol, "scores");
    support::check_matrix(g.scaled, w.scaled, pipeline_tol, "scaled");
    support::check_matrix(g.masked, w.masked, pipeline_tol, "masked");
    support::check_matrix(g.weights, w.weights, pipeline_tol, "weights");
    support::check_matrix(g.output, w.output, pipeline_tol, "output");
    for (std::size_t r = 0; r < g.row_max.size(); ++r) {
      CHECK(support::close(g.row_max[r], w.row_max[r], pipeline_tol));
      CHECK(support::close(g.row_sum[r], w.row_sum[r], pipeline_tol));
    }
  }
  support::check_matrix(got.concat, want.concat, pipeline_tol, "concat");
  support::check_matrix(got.final, want.final, pipeline_tol, "final");
}

ErrorCode error_of(const Config& cfg, std::string* field = nullptr) {
  try {
    attention::run(cfg);
  } catch (const attention::AttentionError& e) {
    if (field) *field = e.field();
    return e.code();
  }
  FAIL("expected an AttentionError");
  return ErrorCode::bad_config;
}

}  // namespace

TEST_CASE("golden cases match the reference and their pinned values", "[attention][golden]") {
  for (const auto& c : json_config::golden_cases()) {
    const std::string name = c.at("name");
    DYNAMIC_SECTION(name) {
      const Config cfg = json_config::parse(c.at("config"));
      check_against_reference(cfg);
      if (!c.contains("expect")) continue;
      const attention::Trace t = attention::run(cfg);
      const double tol = c.value("tolerance", 2e-5);
      for (const auto& [step, rows] : c["expect"].items()) {
        // The step table says where a step lives (head 0 of a per-head step).
        const Matrix* found = nullptr;
        for (const attention::NamedTensor& named : attention::steps_of(t)) {
          if (step == named.id && named.head <= 0) found = named.matrix;
        }
        REQUIRE(found != nullptr);
        const Matrix& got = *found;
        for (std::size_t r = 0; r < rows.size(); ++r) {
          for (std::size_t col = 0; col < rows[r].size(); ++col) {
            if (rows[r][col].is_null()) continue;
            INFO(step << "[" << r << "][" << col << "]");
            CHECK(std::fabs(got.at(r, col) - rows[r][col].get<double>()) <= tol);
          }
        }
      }
    }
  }
}

TEST_CASE("seed 003's printed numbers are wrong and the engine says so", "[attention][golden]") {
  // The article claims Q = [[1,0],[0,1],[1,1]] ... and a softmax of [1/sqrt2, 0, 0] of
  // [1/2, 1/2, 0]; the true softmax puts about 0.50 on the first key and 0.25 on each other.
  Config c;
  c.x = Matrix(1, 3, std::vector<float>{0.70710678f, 0.0f, 0.0f});
  c.wq = Matrix(3, 3, std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  c.wk = c.wq;
  c.wv = c.wq;
  c.context = Matrix(3, 3, std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1});
  c.scale = attention::ScaleKind::none;
  const auto t = attention::run(c);
  const double e = std::exp(0.70710678);
  CHECK(std::fabs(t.heads[0].weights.at(0, 0) - e / (e + 2)) < 1e-6);
  CHECK(std::fabs(t.heads[0].weights.at(0, 1) - 1 / (e + 2)) < 1e-6);
  CHECK(t.heads[0].weights.at(0, 1) > 0.2f);  // not the article's 1/2, 1/2, 0
}

TEST_CASE("random configs over every option match the reference", "[attention]") {
  const int seed = GENERATE(range(0, 24));
  Rng rng(777 + seed);
  const std::size_t heads = 1 + seed % 3;
  const std::size_t d_k = 2 * (1 + seed % 4);  // even, so RoPE applies
  const std::size_t d_v = 1 + (seed * 5) % 7;
  const std::size_t n = 1 + (seed * 7) % 11, d_model = 1 + (seed * 3) % 10;
  Config c = support::random_config(rng, n, d_model, heads, d_k, d_v);
  if (seed % 2) c.wo = support::random_matrix(heads * d_v, 1 + seed % 5, rng);
  if (seed % 3 == 1) c.context = support::random_matrix(1 + seed % 9, d_model, rng);
  const std::size_t m = c.context ? c.context->rows : n;
  c.positional = static_cast<attention::Positional>(seed % 3);
  c.score = static_cast<attention::ScoreKind>((seed / 3) % 2);
  if (c.score == attention::ScoreKind::additive && seed % 4 == 0) {
    c.va.resize(d_k);
    for (float& v : c.va) v = rng.uniform();
  }
  c.scale = static_cast<attention::ScaleKind>(seed % 3);
  c.scale_value = 0.37f;
  c.mask = static_cast<attention::MaskKind>((seed / 2) % 3);
  if (c.mask == attention::MaskKind::custom) {
    c.mask_matrix = Matrix(n, m);
    for (float& v : c.mask_matrix.data) v = rng.uniform(0, 1) < 0.6f ? 1.0f : 0.0f;
  }
  INFO("seed " << seed << ": n=" << n << " m=" << m << " d_model=" << d_model << " heads=" << heads
               << " d_k=" << d_k << " d_v=" << d_v);
  check_against_reference(c);
}

TEST_CASE("attention properties", "[attention]") {
  Rng rng(99);

  SECTION("causal mask zeroes the upper triangle") {
    Config c = support::random_config(rng, 9, 5, 2, 3, 2);
    c.mask = attention::MaskKind::causal;
    const auto t = attention::run(c);
    for (const auto& h : t.heads) {
      for (std::size_t j = 0; j < 9; ++j) {
        for (std::size_t k = j + 1; k < 9; ++k) {
          CHECK(h.weights.at(j, k) == 0.0f);
          CHECK(h.masked.at(j, k) == -std::numeric_limits<float>::infinity());
        }
      }
      CHECK(h.weights.at(0, 0) == 1.0f);  // the first token can only attend to itself
    }
  }

  SECTION("every weights row sums to 1") {
    Config c = support::random_config(rng, 13, 6, 3, 2, 2);
    const auto t = attention::run(c);
    for (const auto& h : t.heads) {
      for (std::size_t j = 0; j < 13; ++j) {
        double s = 0;
        for (std::size_t k = 0; k < 13; ++k) s += h.weights.at(j, k);
        CHECK(std::fabs(s - 1.0) < 1e-6);  // 13 float roundings of values <= 1
      }
    }
  }

  SECTION("self-attention without position is permutation-equivariant") {
    Config c = support::random_config(rng, 7, 4, 2, 2, 3);
    const std::size_t perm[] = {3, 0, 6, 1, 5, 2, 4};
    Config p = c;
    for (std::size_t r = 0; r < 7; ++r)
      for (std::size_t col = 0; col < 4; ++col) p.x.at(r, col) = c.x.at(perm[r], col);
    const auto a = attention::run(c), b = attention::run(p);
    for (std::size_t r = 0; r < 7; ++r)
      for (std::size_t col = 0; col < a.final.cols; ++col)
        // Reordered rows change the order of float sums in softmax and A*V only.
        CHECK(std::fabs(b.final.at(r, col) - a.final.at(perm[r], col)) < 1e-5);
  }

  SECTION("one head is softmax(Q K^T / sqrt(d_k)) V") {
    Config c = support::random_config(rng, 5, 4, 1, 4, 3);
    const auto t = attention::run(c);
    const auto X = reference::from(c.x);
    const auto Q = reference::multiply(X, reference::from(c.wq));
    const auto K = reference::multiply(X, reference::from(c.wk));
    const auto V = reference::multiply(X, reference::from(c.wv));
    // The single-head reference the fused kernel is checked against, with 1 / sqrt(d_k) = 1/2.
    const auto O = reference::softmax_attention(Q, K, V, 0.5, attention::Causal::no);
    for (std::size_t j = 0; j < 5; ++j)
      for (std::size_t col = 0; col < 3; ++col)
        CHECK(support::close(t.final.at(j, col), O[j][col], pipeline_tol));
  }

  SECTION("h heads are h single-head runs side by side") {
    const std::size_t h = 3, d_k = 2, d_v = 2;
    Config c = support::random_config(rng, 6, 5, h, d_k, d_v);
    const auto all = attention::run(c);
    for (std::size_t i = 0; i < h; ++i) {
      Config one = c;
      one.heads = 1;
      auto cols = [](const Matrix& w, std::size_t first, std::size_t count) {
        Matrix out(w.rows, count);
        for (std::size_t r = 0; r < w.rows; ++r)
          for (std::size_t k = 0; k < count; ++k) out.at(r, k) = w.at(r, first + k);
        return out;
      };
      one.wq = cols(c.wq, i * d_k, d_k);
      one.wk = cols(c.wk, i * d_k, d_k);
      one.wv = cols(c.wv, i * d_v, d_v);
      const auto single = attention::run(one);
      for (std::size_t r = 0; r < 6; ++r)
        for (std::size_t k = 0; k < d_v; ++k) CHECK(single.final.at(r, k) == all.concat.at(r, i * d_v + k));
    }
  }

  SECTION("an all-blocked row gives zeros and a warning, never NaN") {
    Config c = support::random_config(rng, 3, 2, 1, 2, 2);
    c.mask = attention::MaskKind::custom;
    c.mask_matrix = Matrix(3, 3, std::vector<float>{1, 1, 0, 0, 0, 0, 0, 1, 1});
    const auto t = attention::run(c);
    REQUIRE(t.warnings.size() == 1);
    CHECK(t.warnings[0].code == "all_blocked");
    CHECK(t.warnings[0].row == 1);
    for (std::size_t k = 0; k < 2; ++k) CHECK(t.final.at(1, k) == 0.0f);
    for (float v : t.final.data) CHECK(std::isfinite(v));
  }

  SECTION("scores of +-1e4 stay finite") {
    Config c = support::random_config(rng, 4, 2, 1, 2, 2);
    for (float& v : c.x.data) v *= 300.0f;
    c.scale = attention::ScaleKind::none;
    const auto t = attention::run(c);
    for (float v : t.final.data) CHECK(std::isfinite(v));
  }
}

TEST_CASE("bad configs are refused with the right code and field", "[attention][errors]") {
  Rng rng(5);
  const Config good = support::random_config(rng, 3, 2, 1, 2, 2);
  Config c = good;
  std::string field;

  SECTION("shape_mismatch names both sizes") {
    c.wq = support::random_matrix(3, 2, rng);
    try {
      attention::run(c);
      FAIL("no error");
    } catch (const attention::AttentionError& e) {
      CHECK(e.code() == ErrorCode::shape_mismatch);
      CHECK(e.field() == "wq");
      CHECK(std::string(e.what()) == "wq has 3 rows but x has 2 columns");
    }
  }
  SECTION("wk width differs from wq") {
    c.wk = support::random_matrix(2, 4, rng);
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "wk");
  }
  SECTION("heads do not divide the width") {
    c.heads = 3;
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "wq");
  }
  SECTION("wo rows") {
    c.wo = support::random_matrix(3, 2, rng);
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "wo");
  }
  SECTION("context width") {
    c.context = support::random_matrix(4, 3, rng);
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "context");
  }
  SECTION("mask shape and values") {
    c.mask = attention::MaskKind::custom;
    c.mask_matrix = Matrix(3, 2, 1.0f);
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    c.mask_matrix = Matrix(3, 3, 0.5f);
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "mask");
  }
  SECTION("zero heads, empty x, RoPE with odd d_k") {
    c.heads = 0;
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "heads");
    c = good;
    c.x = Matrix();
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "x");
    c = good;
    c.wq = support::random_matrix(2, 3, rng);
    c.wk = support::random_matrix(2, 3, rng);
    c.positional = attention::Positional::rope;
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "positional");
  }
  SECTION("va length") {
    c.score = attention::ScoreKind::additive;
    c.va = {1, 2, 3};
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "va");
  }
  SECTION("non_finite: NaN, infinity, custom scale") {
    c.x.at(1, 0) = std::numeric_limits<float>::quiet_NaN();
    CHECK(error_of(c, &field) == ErrorCode::non_finite);
    CHECK(field == "x");
    c = good;
    c.wv.at(0, 1) = -std::numeric_limits<float>::infinity();
    CHECK(error_of(c, &field) == ErrorCode::non_finite);
    CHECK(field == "wv");
    c = good;
    c.scale = attention::ScaleKind::custom;
    c.scale_value = std::numeric_limits<float>::infinity();
    CHECK(error_of(c, &field) == ErrorCode::non_finite);
    CHECK(field == "scale");
  }
  SECTION("too_large: rows beyond the limit, too many heads") {
    c.x = Matrix(attention::Limits::engine().max_dim + 1, 2);
    CHECK(error_of(c, &field) == ErrorCode::too_large);
    CHECK(field == "x");
    c = good;
    c.heads = attention::Limits::engine().max_heads + 1;
    CHECK(error_of(c, &field) == ErrorCode::too_large);
  }
  SECTION("the engine still works after errors") {
    c.heads = 0;
    CHECK(error_of(c) == ErrorCode::bad_config);
    CHECK_NOTHROW(attention::run(good));
  }
}

TEST_CASE("finite inputs that overflow float32 are refused, never passed on as inf", "[attention][errors]") {
  Config c;
  c.x = Matrix(2, 2, std::vector<float>{1e38f, 1e38f, 1.0f, 2.0f});
  c.wq = Matrix(2, 2, std::vector<float>{1e38f, 0, 0, 1});
  c.wk = Matrix(2, 2, std::vector<float>{1, 0, 0, 1});
  c.wv = c.wk;
  try {
    attention::run(c);
    FAIL("no error");
  } catch (const attention::AttentionError& e) {
    CHECK(e.code() == ErrorCode::non_finite);
    CHECK(std::string(e.field()) == "q");
  }
}

TEST_CASE("the step table lists every step of a trace once, in order", "[attention][steps]") {
  for (const auto& c : json_config::golden_cases()) {
    DYNAMIC_SECTION(c.at("name").get<std::string>()) {
      const Config cfg = json_config::parse(c.at("config"));
      const attention::Trace t = attention::run(cfg);
      const auto steps = attention::steps_of(t);
      std::size_t per_head = 0;
      std::size_t last = 0;
      for (const attention::NamedTensor& s : steps) {
        CHECK_FALSE(s.matrix->empty());
        // Ids appear in kSteps order.
        std::size_t index = 0;
        while (std::string(attention::kSteps[index].id) != s.id) ++index;
        CHECK(index >= last);
        last = index;
        if (s.head >= 0) ++per_head;
      }
      CHECK(per_head == 5 * t.heads.size());  // scores, scaled, masked, weights, output
      const bool sinusoidal = cfg.positional == attention::Positional::sinusoidal;
      CHECK(t.encoded.empty() == !sinusoidal);
      // x is the input as given; encoded = x + pe when there is an encoding.
      for (std::size_t i = 0; i < t.x.data.size(); ++i) {
        CHECK(t.x.data[i] == cfg.x.data[i]);
        if (sinusoidal) CHECK(t.encoded.data[i] == t.x.data[i] + t.pe.data[i]);
      }
    }
  }
}

TEST_CASE("the config's checks of meaning live in the core", "[attention][errors][limits]") {
  Config good;
  good.x = Matrix(2, 2, std::vector<float>{1, 2, 3, 4});
  good.wq = Matrix(2, 2, std::vector<float>{1, 0, 0, 1});
  good.wk = good.wq;
  good.wv = good.wq;
  Config c = good;
  std::string field;
  SECTION("the page's limits are smaller than the engine's and checked the same way") {
    const auto page = attention::Limits::page();
    c.x = Matrix(page.max_tokens + 1, 2, 0.5f);
    CHECK_NOTHROW(attention::run(c));
    try {
      attention::run(c, attention::LimitProfile::page);
      FAIL("no error");
    } catch (const attention::AttentionError& e) {
      CHECK(e.code() == ErrorCode::too_large);
      CHECK(std::string(e.field()) == "x");
      CHECK(std::string(e.what()).find(std::to_string(page.max_tokens)) != std::string::npos);
    }
    c = good;
    c.heads = 2;
    c.wq = Matrix(2, 2 * (page.max_head_width + 1), 0.0f);
    c.wk = c.wq;
    CHECK_THROWS_AS(attention::run(c, attention::LimitProfile::page), attention::AttentionError);
  }
  SECTION("labels: one per row, at most 200 characters counted as a reader counts them") {
    c.tokens = {"a"};
    CHECK(error_of(c, &field) == ErrorCode::shape_mismatch);
    CHECK(field == "tokens");
    std::string emoji;
    for (int i = 0; i < 200; ++i) emoji += "\xF0\x9F\x99\x82";  // 200 code points, 800 bytes
    c.tokens = {emoji, "b"};
    CHECK_NOTHROW(attention::run(c));
    c.tokens = {emoji + "x", "b"};
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    c = good;
    c.context_tokens = {"c1", "c2"};
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "contextTokens");
  }
  SECTION("options by name, with the list of the known ones") {
    CHECK(attention::positional_from("rope") == attention::Positional::rope);
    CHECK(attention::score_from("additive") == attention::ScoreKind::additive);
    try {
      attention::scale_from("sqrt");
      FAIL("no error");
    } catch (const attention::AttentionError& e) {
      CHECK(std::string(e.field()) == "scale");
      CHECK(std::string(e.what()).find("\"sqrt_dk\"") != std::string::npos);
    }
    CHECK_THROWS_AS(attention::mask_from("future"), attention::AttentionError);
  }
  SECTION("counts are whole numbers of at least 1") {
    CHECK(attention::count_from(3, "heads") == 3);
    CHECK_THROWS_AS(attention::count_from(1.5, "heads"), attention::AttentionError);
    CHECK_THROWS_AS(attention::count_from(0, "heads"), attention::AttentionError);
    CHECK_THROWS_AS(attention::count_from(1e20, "heads"), attention::AttentionError);
  }
  SECTION("unknown fields, with the field a typo probably meant") {
    CHECK_NOTHROW(attention::check_fields({"x", "wq", "wk", "wv", "contextTokens"}));
    try {
      attention::check_fields({"x", "wQ"});
      FAIL("no error");
    } catch (const attention::AttentionError& e) {
      CHECK(std::string(e.field()) == "wQ");
      CHECK(std::string(e.what()).find("did you mean \"wq\"") != std::string::npos);
    }
  }
  SECTION("a custom scale float32 cannot hold is refused instead of becoming 0") {
    c.scale = attention::ScaleKind::custom;
    c.scale_value = 1e-50;
    CHECK(error_of(c, &field) == ErrorCode::bad_config);
    CHECK(field == "scale");
    c.scale_value = 1e-30;
    CHECK(attention::run(c).scale > 0.0f);
  }
}

TEST_CASE("backward from a kept trace equals backward that runs the forward pass itself",
          "[attention][backward]") {
  const Config cfg = json_config::parse(json_config::golden_cases().at(3).at("config"));
  const attention::Trace t = attention::run(cfg);
  Matrix seed(t.final.rows, t.final.cols, 0.25f);
  const std::size_t before = attention::forward_passes();
  const attention::Gradients kept = attention::backward(cfg, t, seed);
  CHECK(attention::forward_passes() == before);
  const attention::Gradients fresh = attention::backward(cfg, seed);
  CHECK(attention::forward_passes() == before + 1);
  CHECK(kept.wq.data == fresh.wq.data);
  CHECK(kept.x.data == fresh.x.data);
}
