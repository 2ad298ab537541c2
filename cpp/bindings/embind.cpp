// The WebAssembly face of the core. web/engine.js turns a user's JSON config into the
// flat form read here (every matrix as {rows, cols, data: Float32Array}), and turns the
// result back into an AttentionError or a trace. No C++ exception crosses this line:
// each becomes {ok: false, code, field, message}, so JavaScript never sees a bare number.
#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <new>
#include <optional>
#include <string>
#include <vector>

#include "attention/attention.hpp"
#include "attention/backward.hpp"
#include "attention/fused.hpp"
#include "attention/kernels.hpp"
#include "attention/model.hpp"

using emscripten::val;
using namespace attention;

namespace {

// Reads what web/engine.js converted: a matrix is {rows, cols, data: Float32Array}, made by
// engine.js itself (never a user's object), so reading it runs no user code. A JavaScript
// exception thrown inside a C++ frame would skip destructors and leak; none can be here.
Matrix matrix_from(const val& v) {
  Matrix m;
  m.rows = v["rows"].as<unsigned>();
  m.cols = v["cols"].as<unsigned>();
  // Allocate first, then copy straight from the Float32Array into the aligned storage
  // (a view made after the allocation, so memory growth cannot detach it).
  m.data.resize(m.rows * m.cols);
  val(emscripten::typed_memory_view(m.data.size(), m.data.data())).call<void>("set", v["data"]);
  return m;
}

bool absent(const val& v) { return v.isNull() || v.isUndefined(); }

std::optional<Matrix> optional_matrix(const val& v) {
  if (absent(v)) return std::nullopt;
  return matrix_from(v);
}

std::vector<std::string> labels_from(const val& v) {
  std::vector<std::string> out;
  if (absent(v)) return out;
  const unsigned count = v["length"].as<unsigned>();
  out.reserve(count);
  for (unsigned i = 0; i < count; ++i) out.push_back(v[i].as<std::string>());
  return out;
}

// engine.js hands over { fields: [own keys], <field>: converted value } for each field of
// kConfigFields; every check of meaning happens here and in validate.cpp.
Config config_from(const val& in) {
  check_fields(emscripten::vecFromJSArray<std::string>(in["fields"]));
  for (const FieldDef& f : kConfigFields) {
    if (f.required && absent(in[f.name])) {
      throw AttentionError(ErrorCode::bad_config, f.name, std::string(f.name) + " is required");
    }
  }
  Config c;
  c.x = matrix_from(in["x"]);
  c.tokens = labels_from(in["tokens"]);
  c.context = optional_matrix(in["context"]);
  c.context_tokens = labels_from(in["contextTokens"]);
  c.heads = absent(in["heads"]) ? 1 : count_from(in["heads"].as<double>(), "heads");
  c.wq = matrix_from(in["wq"]);
  c.wk = matrix_from(in["wk"]);
  c.wv = matrix_from(in["wv"]);
  c.wo = optional_matrix(in["wo"]);

  const val scale = in["scale"];
  if (scale.isNumber()) {
    c.scale = ScaleKind::custom;
    c.scale_value = scale.as<double>();
  } else if (!absent(scale)) {
    c.scale = scale_from(scale.as<std::string>());
  }
  const val mask = in["mask"];
  if (mask.isString()) {
    c.mask = mask_from(mask.as<std::string>());
  } else if (!absent(mask)) {
    c.mask = MaskKind::custom;
    c.mask_matrix = matrix_from(mask);
  }
  if (!absent(in["positional"])) c.positional = positional_from(in["positional"].as<std::string>());
  if (!absent(in["score"])) c.score = score_from(in["score"].as<std::string>());
  if (!absent(in["va"])) c.va = emscripten::convertJSArrayToNumberVector<float>(in["va"]);
  return c;
}

LimitProfile profile_from(const val& v) {
  return v.isString() && v.as<std::string>() == "page" ? LimitProfile::page : LimitProfile::engine;
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

// The trace as JavaScript sees it: one property per step of kSteps (null when the trace
// has none), per-head steps under heads[i], and the scalars.
val to_js(const Trace& t) {
  val out = val::object();
  val heads = val::array();
  for (const HeadTrace& h : t.heads) {
    val head = val::object();
    for (const HeadSliceDef& s : kHeadSlices) head.set(s.id, to_js(h.*s.head));
    head.set("rowMax", floats(h.row_max.data(), h.row_max.size()));
    head.set("rowSum", floats(h.row_sum.data(), h.row_sum.size()));
    heads.call<void>("push", head);
  }
  for (const StepDef& s : kSteps) {
    if (s.whole) {
      out.set(s.id, to_js(t.*s.whole));
      continue;
    }
    for (std::size_t i = 0; i < t.heads.size(); ++i) heads[i].set(s.id, to_js(t.heads[i].*s.head));
  }
  out.set("heads", heads);
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

// A forward pass kept for the backward pass that follows it (engine.gradients): a training
// step is one forward and one backward, not two forwards.
struct Kept {
  Config config;
  Trace trace;
};
std::optional<Kept> kept;

val run_js(val input, val profile, bool keep) {
  kept.reset();
  return guarded("trace", [&] {
    Config config = config_from(input);
    Trace trace = run(config, profile_from(profile));
    val out = to_js(trace);
    if (keep) kept = Kept{std::move(config), std::move(trace)};
    return out;
  });
}

void drop_kept_js() { kept.reset(); }

// The fast path's options as engine.js checked them: sizes, scale, causal, and optionally
// firstRow (a row slice of a causal problem) and mask (a Uint8Array of n x m keep flags).
struct FastArgs {
  FusedShape shape;
  float scale;
  std::vector<float> q, k, v;
  std::vector<unsigned char> keep;
  FusedMask mask;
};

FastArgs fast_args(const val& q, const val& k, const val& v, const val& opts) {
  FastArgs a{{opts["n"].as<std::size_t>(), opts["m"].as<std::size_t>(), opts["dk"].as<std::size_t>(),
              opts["dv"].as<std::size_t>()},
             opts["scale"].as<float>()};
  validate_fused(a.shape, a.scale);  // before any copy: refuse what cannot fit
  a.q = emscripten::convertJSArrayToNumberVector<float>(q);
  a.k = emscripten::convertJSArrayToNumberVector<float>(k);
  a.v = emscripten::convertJSArrayToNumberVector<float>(v);
  a.mask.causal = opts["causal"].as<bool>() ? Causal::yes : Causal::no;
  if (!absent(opts["firstRow"])) a.mask.first_row = opts["firstRow"].as<std::size_t>();
  if (!absent(opts["mask"])) {
    a.keep = emscripten::convertJSArrayToNumberVector<unsigned char>(opts["mask"]);
    a.mask.keep = a.keep.data();
  }
  return a;
}

// The fast path. JS has checked that q, k, v are Float32Arrays of the right lengths.
val attention_js(val q, val k, val v, val opts) {
  return guarded("data", [&] {
    const FastArgs a = fast_args(q, k, v, opts);
    std::vector<float> out(a.shape.n * a.shape.dv);
    fused_attention(a.q.data(), a.k.data(), a.v.data(), out.data(), a.shape, a.scale, a.mask);
    return floats(out.data(), out.size());
  });
}

// The traced kernel: the fast path's algorithm with small blocks, every step kept.
val tiles_js(val q, val k, val v, val opts) {
  return guarded("trace", [&] {
    const FastArgs a = fast_args(q, k, v, opts);
    const TileBlocks blocks{opts["blockRows"].as<std::size_t>(), opts["blockCols"].as<std::size_t>()};
    const TiledTrace t =
        fused_attention_traced(a.q.data(), a.k.data(), a.v.data(), a.shape, a.scale, a.mask, blocks);
    val steps = val::array();
    for (const TileStep& st : t.steps) {
      val o = val::object();
      o.set("row0", st.row0);
      o.set("rows", st.rows);
      o.set("col0", st.col0);
      o.set("cols", st.cols);
      o.set("scores", floats(st.scores.data(), st.scores.size()));
      o.set("mOld", floats(st.m_old.data(), st.m_old.size()));
      o.set("mNew", floats(st.m_new.data(), st.m_new.size()));
      o.set("rescale", floats(st.rescale.data(), st.rescale.size()));
      o.set("p", floats(st.p.data(), st.p.size()));
      o.set("sum", floats(st.sum.data(), st.sum.size()));
      o.set("acc", floats(st.acc.data(), st.acc.size()));
      steps.call<void>("push", o);
    }
    val out = val::object();
    out.set("blockRows", t.blocks.rows);
    out.set("blockCols", t.blocks.cols);
    out.set("steps", steps);
    out.set("out", floats(t.out.data(), t.out.size()));
    out.set("sum", floats(t.sum.data(), t.sum.size()));
    return out;
  });
}

// Gradients of run(): JS has flattened the config and the seed gradients.
// With input null, the gradients of the kept forward pass (run_js with keep).
val backward_js(val input, val profile, val d_final, val d_weights) {
  return guarded("grads", [&] {
    std::vector<Matrix> weights;
    if (!absent(d_weights)) {
      const unsigned count = d_weights["length"].as<unsigned>();
      for (unsigned i = 0; i < count; ++i) weights.push_back(matrix_from(d_weights[i]));
    }
    Gradients g;
    if (absent(input)) {
      if (!kept)
        throw AttentionError(ErrorCode::bad_config, "trace", "there is no forward pass to take gradients of");
      const Kept k = std::move(*kept);
      kept.reset();
      g = backward(k.config, k.trace, matrix_from(d_final), weights);
    } else {
      const Config config = config_from(input);
      validate(config, profile_from(profile));
      g = backward(config, matrix_from(d_final), weights);
    }
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

val limits_object(const Limits& l) {
  val out = val::object();
  out.set("maxDim", l.max_dim);
  out.set("maxTokens", l.max_tokens);
  out.set("maxDModel", l.max_d_model);
  out.set("maxHeadWidth", l.max_head_width);
  out.set("maxHeads", l.max_heads);
  out.set("maxHeadCells", l.max_head_cells);
  out.set("maxLabelLength", l.max_label_length);
  return out;
}

// One object for every limit: the engine's own, the fast path's, and the page's.
val limits_js() {
  val out = limits_object(Limits::engine());
  out.set("maxRows", FusedLimits::max_rows);
  out.set("maxWidth", FusedLimits::max_width);
  out.set("maxBytes", FusedLimits::max_bytes);
  out.set("maxBlockRows", TileLimits::max_block_rows);
  out.set("maxBlockCols", TileLimits::max_block_cols);
  out.set("page", limits_object(Limits::page()));
  return out;
}

// The config's fields and the kind of value each takes, for engine.js to convert by.
val fields_js() {
  static const char* const kinds[] = {"matrix", "labels", "count", "scale", "mask", "option", "vector"};
  val out = val::array();
  for (const FieldDef& f : kConfigFields) {
    val o = val::object();
    o.set("name", std::string(f.name));
    o.set("kind", std::string(kinds[static_cast<int>(f.kind)]));
    out.call<void>("push", o);
  }
  return out;
}

// The step ids in order, and which are per head.
val steps_js() {
  val out = val::array();
  for (const StepDef& s : kSteps) {
    val o = val::object();
    o.set("id", std::string(s.id));
    o.set("perHead", s.head != nullptr);
    out.call<void>("push", o);
  }
  return out;
}

// The tiny transformer (attention/model.hpp), for web/model.js. `weights` is what
// model.js made from web/data/pronoun-model.json: { shape: { vocabulary, maxTokens, dModel,
// heads, layers }, embedding, position, layers: [{ wq, wk, wv, wo }], readout }, every
// matrix { rows, cols, data: Float32Array }. model.check() judges the shapes.
model::Weights model_weights_from(const val& in) {
  model::Weights w;
  const val shape = in["shape"];
  w.shape.vocabulary = shape["vocabulary"].as<unsigned>();
  w.shape.max_tokens = shape["maxTokens"].as<unsigned>();
  w.shape.d_model = shape["dModel"].as<unsigned>();
  w.shape.heads = shape["heads"].as<unsigned>();
  w.shape.layers = shape["layers"].as<unsigned>();
  w.embedding = matrix_from(in["embedding"]);
  w.position = matrix_from(in["position"]);
  const val layers = in["layers"];
  const unsigned count = layers["length"].as<unsigned>();
  for (unsigned l = 0; l < count; ++l) {
    w.layers.push_back({matrix_from(layers[l]["wq"]), matrix_from(layers[l]["wk"]),
                        matrix_from(layers[l]["wv"]), matrix_from(layers[l]["wo"])});
  }
  w.readout = matrix_from(in["readout"]);
  return w;
}

std::vector<std::size_t> token_ids_from(const val& v) {
  std::vector<std::size_t> out;
  const unsigned count = v["length"].as<unsigned>();
  for (unsigned i = 0; i < count; ++i) out.push_back(v[i].as<unsigned>());
  return out;
}

// One sentence through the model: { layers: [trace of each layer, as run() gives it],
// output: X_L, pointer: Float32Array (the readout's probability per token), readout,
// attention (argmax of the last layer's pronoun row, mean over heads) }.
val model_forward_js(val weights, val tokens, unsigned pronoun) {
  return guarded("result", [&] {
    const model::Weights w = model_weights_from(weights);
    const model::Forward f = model::forward(w, token_ids_from(tokens), pronoun);
    val out = val::object();
    val layers = val::array();
    for (const Trace& t : f.traces) layers.call<void>("push", to_js(t));
    out.set("layers", layers);
    out.set("output", to_js(f.output));
    out.set("pointer", floats(f.pointer.data(), f.pointer.size()));
    out.set("readout", static_cast<unsigned>(f.readout));
    out.set("attention", static_cast<unsigned>(f.attention));
    return out;
  });
}

// Training in the module (a page's worker): one trainer per module instance, started with
// the shape, the examples [{ tokens, pronoun, referent }] and the options { seed, batch,
// learningRate, attentionWeight }, then run a few batches at a time so the caller can show
// progress and pause between calls.
std::optional<model::Trainer> trainer;

val model_train_start_js(val shape_in, val examples_in, val options_in) {
  trainer.reset();
  return guarded("stepsPerEpoch", [&] {
    model::Shape shape;
    shape.vocabulary = shape_in["vocabulary"].as<unsigned>();
    shape.max_tokens = shape_in["maxTokens"].as<unsigned>();
    shape.d_model = shape_in["dModel"].as<unsigned>();
    shape.heads = shape_in["heads"].as<unsigned>();
    shape.layers = shape_in["layers"].as<unsigned>();
    std::vector<model::Example> examples;
    const unsigned count = examples_in["length"].as<unsigned>();
    for (unsigned i = 0; i < count; ++i) {
      const val e = examples_in[i];
      examples.push_back(
          {token_ids_from(e["tokens"]), e["pronoun"].as<unsigned>(), e["referent"].as<unsigned>()});
      if (examples.back().referent >= examples.back().tokens.size())
        throw AttentionError(ErrorCode::bad_config, "examples",
                             "an example's referent is outside its sentence");
    }
    model::TrainOptions options;
    if (!absent(options_in["seed"]))
      options.seed = static_cast<std::uint64_t>(options_in["seed"].as<double>());
    if (!absent(options_in["batch"])) options.batch = options_in["batch"].as<unsigned>();
    if (!absent(options_in["learningRate"])) options.learning_rate = options_in["learningRate"].as<float>();
    if (!absent(options_in["attentionWeight"]))
      options.attention_weight = options_in["attentionWeight"].as<float>();
    trainer.emplace(shape, std::move(examples), options);
    return static_cast<unsigned>(trainer->steps_per_epoch());
  });
}

val model_train_run_js(unsigned steps) {
  return guarded("result", [&] {
    if (!trainer) throw AttentionError(ErrorCode::bad_config, "trainer", "no training was started");
    val out = val::object();
    out.set("loss", trainer->run(steps));
    out.set("steps", static_cast<unsigned>(trainer->steps_done()));
    return out;
  });
}

// The trainer's current weights, in the form modelForward reads.
val model_train_weights_js() {
  return guarded("weights", [&] {
    if (!trainer) throw AttentionError(ErrorCode::bad_config, "trainer", "no training was started");
    const model::Weights& w = trainer->weights();
    val out = val::object();
    val shape = val::object();
    shape.set("vocabulary", static_cast<unsigned>(w.shape.vocabulary));
    shape.set("maxTokens", static_cast<unsigned>(w.shape.max_tokens));
    shape.set("dModel", static_cast<unsigned>(w.shape.d_model));
    shape.set("heads", static_cast<unsigned>(w.shape.heads));
    shape.set("layers", static_cast<unsigned>(w.shape.layers));
    out.set("shape", shape);
    out.set("embedding", to_js(w.embedding));
    out.set("position", to_js(w.position));
    val layers = val::array();
    for (const model::Layer& l : w.layers) {
      val layer = val::object();
      layer.set("wq", to_js(l.wq));
      layer.set("wk", to_js(l.wk));
      layer.set("wv", to_js(l.wv));
      layer.set("wo", to_js(l.wo));
      layers.call<void>("push", layer);
    }
    out.set("layers", layers);
    out.set("readout", to_js(w.readout));
    return out;
  });
}

void model_train_stop_js() { trainer.reset(); }

unsigned forward_passes_js() { return static_cast<unsigned>(forward_passes()); }

// Bytes the allocator holds for live objects: equal before and after any call unless
// the call leaked.
unsigned heap_in_use_js() { return static_cast<unsigned>(mallinfo().uordblks); }

std::string version_js() { return version(); }
unsigned batch_width_js() { return static_cast<unsigned>(kernels::batch_width()); }

}  // namespace

EMSCRIPTEN_BINDINGS(attention_core) {
  emscripten::function("run", &run_js);
  emscripten::function("attention", &attention_js);
  emscripten::function("tiles", &tiles_js);
  emscripten::function("backward", &backward_js);
  emscripten::function("limits", &limits_js);
  emscripten::function("fields", &fields_js);
  emscripten::function("steps", &steps_js);
  emscripten::function("dropKept", &drop_kept_js);
  emscripten::function("forwardPasses", &forward_passes_js);
  emscripten::function("version", &version_js);
  emscripten::function("batchWidth", &batch_width_js);
  emscripten::function("heapInUse", &heap_in_use_js);
  emscripten::function("modelForward", &model_forward_js);
  emscripten::function("modelTrainStart", &model_train_start_js);
  emscripten::function("modelTrainRun", &model_train_run_js);
  emscripten::function("modelTrainWeights", &model_train_weights_js);
  emscripten::function("modelTrainStop", &model_train_stop_js);
}
