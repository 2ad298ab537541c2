// The WebAssembly face of the core. web/engine.js turns a user's JSON config into the
// flat form read here (every matrix as {rows, cols, data: Float32Array}), and turns the
// result back into an AttentionError or a trace. No C++ exception crosses this line:
// each becomes {ok: false, code, field, message}, so JavaScript never sees a bare number.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <new>
#include <string>

#include "attention/attention.hpp"
#include "attention/backward.hpp"
#include "attention/fused.hpp"
#include "attention/kernels.hpp"

using emscripten::val;
using namespace attention;

namespace {

Matrix matrix_from(const val& v) {
  Matrix m;
  m.rows = v["rows"].as<unsigned>();
  m.cols = v["cols"].as<unsigned>();
  m.data = emscripten::convertJSArrayToNumberVector<float>(v["data"]);
  return m;
}

std::optional<Matrix> optional_matrix(const val& v) {
  if (v.isNull() || v.isUndefined()) return std::nullopt;
  return matrix_from(v);
}

[[noreturn]] void bad_option(const char* field, const std::string& value) {
  throw AttentionError(ErrorCode::bad_config, field, std::string(field) + " has no option \"" + value + "\"");
}

Config config_from(const val& in) {
  Config c;
  c.x = matrix_from(in["x"]);
  c.context = optional_matrix(in["context"]);
  c.heads = in["heads"].as<unsigned>();
  c.wq = matrix_from(in["wq"]);
  c.wk = matrix_from(in["wk"]);
  c.wv = matrix_from(in["wv"]);
  c.wo = optional_matrix(in["wo"]);

  const std::string scale = in["scale"].as<std::string>();
  if (scale == "sqrt_dk") c.scale = ScaleKind::sqrt_dk;
  else if (scale == "none") c.scale = ScaleKind::none;
  else if (scale == "custom") { c.scale = ScaleKind::custom; c.scale_value = in["scaleValue"].as<float>(); }
  else bad_option("scale", scale);

  const std::string mask = in["mask"].as<std::string>();
  if (mask == "none") c.mask = MaskKind::none;
  else if (mask == "causal") c.mask = MaskKind::causal;
  else if (mask == "custom") { c.mask = MaskKind::custom; c.mask_matrix = matrix_from(in["maskMatrix"]); }
  else bad_option("mask", mask);

  const std::string positional = in["positional"].as<std::string>();
  if (positional == "none") c.positional = Positional::none;
  else if (positional == "sinusoidal") c.positional = Positional::sinusoidal;
  else if (positional == "rope") c.positional = Positional::rope;
  else bad_option("positional", positional);

  const std::string score = in["score"].as<std::string>();
  if (score == "dot") c.score = ScoreKind::dot;
  else if (score == "additive") c.score = ScoreKind::additive;
  else bad_option("score", score);

  if (!in["va"].isNull() && !in["va"].isUndefined()) c.va = emscripten::convertJSArrayToNumberVector<float>(in["va"]);
  return c;
}

// Copies out of the wasm heap: a view would be detached by the next memory growth.
val floats(const float* data, std::size_t count) {
  return val(emscripten::typed_memory_view(count, data)).call<val>("slice");
}

val to_js(const Matrix& m) {
  if (m.empty()) return val::null();
  val out = val::object();
  out.set("rows", m.rows);
  out.set("cols", m.cols);
  out.set("data", floats(m.data.data(), m.data.size()));
  return out;
}

val to_js(const HeadTrace& h) {
  val out = val::object();
  out.set("q", to_js(h.q));
  out.set("k", to_js(h.k));
  out.set("v", to_js(h.v));
  out.set("scores", to_js(h.scores));
  out.set("scaled", to_js(h.scaled));
  out.set("masked", to_js(h.masked));
  out.set("weights", to_js(h.weights));
  out.set("output", to_js(h.output));
  out.set("rowMax", floats(h.row_max.data(), h.row_max.size()));
  out.set("rowSum", floats(h.row_sum.data(), h.row_sum.size()));
  return out;
}

val to_js(const Trace& t) {
  val out = val::object();
  out.set("x", to_js(t.x));
  out.set("pe", to_js(t.pe));
  out.set("context", to_js(t.context));
  out.set("contextPe", to_js(t.context_pe));
  out.set("q", to_js(t.q));
  out.set("k", to_js(t.k));
  out.set("v", to_js(t.v));
  val heads = val::array();
  for (const HeadTrace& h : t.heads) heads.call<void>("push", to_js(h));
  out.set("heads", heads);
  out.set("concat", to_js(t.concat));
  out.set("final", to_js(t.final));
  out.set("scale", t.scale);
  out.set("dk", t.d_k);
  out.set("dv", t.d_v);
  val warnings = val::array();
  for (const Warning& w : t.warnings) {
    val o = val::object();
    o.set("code", w.code);
    o.set("head", w.head);
    o.set("row", w.row);
    o.set("message", w.message);
    warnings.call<void>("push", o);
  }
  out.set("warnings", warnings);
  return out;
}

val failure(const char* code, const std::string& field, const std::string& message) {
  val out = val::object();
  out.set("ok", false);
  out.set("code", std::string(code));
  out.set("field", field);
  out.set("message", message);
  return out;
}

// Runs `work`, which returns the result's payload, as { ok: true, <key>: payload }; every
// exception becomes { ok: false, code, field, message }, so none crosses into JavaScript.
template <class Work>
val guarded(const char* key, Work&& work) {
  try {
    val out = val::object();
    out.set("ok", true);
    out.set(key, work());
    return out;
  } catch (const AttentionError& e) {
    return failure(to_string(e.code()), e.field(), e.what());
  } catch (const std::bad_alloc&) {
    return failure("too_large", "", "the engine ran out of memory for this request; use smaller inputs");
  } catch (const std::exception& e) {
    return failure("bad_config", "", std::string("the engine could not run this: ") + e.what());
  }
}

val run_js(val input) {
  return guarded("trace", [&] { return to_js(run(config_from(input))); });
}

// The fast path. JS has checked that q, k, v are Float32Arrays of the right lengths.
val attention_js(val q, val k, val v, val opts) {
  return guarded("data", [&] {
    const FusedShape shape{opts["n"].as<std::size_t>(), opts["m"].as<std::size_t>(), opts["dk"].as<std::size_t>(),
                           opts["dv"].as<std::size_t>()};
    const float scale = opts["scale"].as<float>();
    validate_fused(shape, scale);  // before any copy: refuse what cannot fit
    const auto qs = emscripten::convertJSArrayToNumberVector<float>(q);
    const auto ks = emscripten::convertJSArrayToNumberVector<float>(k);
    const auto vs = emscripten::convertJSArrayToNumberVector<float>(v);
    std::vector<float> out(shape.n * shape.dv);
    fused_attention(qs.data(), ks.data(), vs.data(), out.data(), shape, scale,
                    opts["causal"].as<bool>() ? Causal::yes : Causal::no);
    return floats(out.data(), out.size());
  });
}

// Gradients of run(): JS has flattened the config and the seed gradients.
val backward_js(val input, val d_final, val d_weights) {
  return guarded("grads", [&] {
    const Config config = config_from(input);
    std::vector<Matrix> weights;
    if (!d_weights.isNull() && !d_weights.isUndefined()) {
      const unsigned count = d_weights["length"].as<unsigned>();
      for (unsigned i = 0; i < count; ++i) weights.push_back(matrix_from(d_weights[i]));
    }
    const Gradients g = backward(config, matrix_from(d_final), weights);
    val grads = val::object();
    grads.set("x", to_js(g.x));
    if (!g.context.empty()) grads.set("context", to_js(g.context));
    grads.set("wq", to_js(g.wq));
    grads.set("wk", to_js(g.wk));
    grads.set("wv", to_js(g.wv));
    if (!g.wo.empty()) grads.set("wo", to_js(g.wo));
    if (!g.va.empty()) grads.set("va", floats(g.va.data(), g.va.size()));
    return grads;
  });
}

val limits_js() {
  val out = val::object();
  out.set("maxDim", Limits::max_dim);
  out.set("maxHeads", Limits::max_heads);
  out.set("maxHeadCells", Limits::max_head_cells);
  out.set("maxRows", FusedLimits::max_rows);
  out.set("maxWidth", FusedLimits::max_width);
  out.set("maxBytes", FusedLimits::max_bytes);
  return out;
}

// Bytes the allocator holds for live objects: equal before and after any call unless
// the call leaked.
unsigned heap_in_use_js() { return static_cast<unsigned>(mallinfo().uordblks); }

std::string version_js() { return version(); }
unsigned batch_width_js() { return static_cast<unsigned>(kernels::batch_width()); }

}  // namespace

EMSCRIPTEN_BINDINGS(attention_core) {
  emscripten::function("run", &run_js);
  emscripten::function("attention", &attention_js);
  emscripten::function("backward", &backward_js);
  emscripten::function("limits", &limits_js);
  emscripten::function("version", &version_js);
  emscripten::function("batchWidth", &batch_width_js);
  emscripten::function("heapInUse", &heap_in_use_js);
}
