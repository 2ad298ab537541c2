// Every check a config must pass before any work is done. Messages name the field and
// the sizes involved, in words a learner can act on.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <string>

#include "attention/attention.hpp"

namespace attention {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::bad_config:
      return "bad_config";
    case ErrorCode::shape_mismatch:
      return "shape_mismatch";
    case ErrorCode::non_finite:
      return "non_finite";
    case ErrorCode::too_large:
      return "too_large";
  }
  return "bad_config";
}

namespace {

// Message pieces. Plain string building instead of iostreams: iostreams would pull
// locale machinery worth ~100 KB into the WebAssembly module.
std::string piece(const std::string& s) { return s; }
std::string piece(const char* s) { return s; }
std::string piece(std::size_t v) { return std::to_string(v); }
std::string piece(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
std::string piece(float v) { return piece(static_cast<double>(v)); }

template <class... Parts>
[[noreturn]] void fail(ErrorCode code, const std::string& field, const Parts&... parts) {
  std::string message;
  ((message += piece(parts)), ...);
  throw AttentionError(code, field, message);
}

std::string plural(std::size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

void check_stored(const Matrix& m, const char* field) {
  if (m.rows == 0 || m.cols == 0) {
    fail(ErrorCode::bad_config, field, field, " must have at least one row and one column");
  }
  if (m.data.size() != m.rows * m.cols) {
    fail(ErrorCode::bad_config, field, field, " holds ", m.data.size(), " values but claims ", m.rows, " x ",
         m.cols);
  }
}

void check_size(std::size_t value, std::size_t limit, const char* field, const char* what) {
  if (value > limit)
    fail(ErrorCode::too_large, field, field, " has ", value, " ", what, "; the limit is ", limit);
}

// Characters as a reader counts them: UTF-8 code points (an emoji is one, not two).
std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char ch : text) count += (ch & 0xC0) != 0x80;
  return count;
}

void check_labels(const std::vector<std::string>& labels, const char* field, std::size_t rows,
                  const char* owner, const Limits& limits) {
  if (labels.empty()) return;
  if (labels.size() != rows) {
    fail(ErrorCode::shape_mismatch, field, field, " has ", plural(labels.size(), "label"), " but ", owner,
         " has ", plural(rows, "row"));
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::size_t length = code_points(labels[i]);
    if (length > limits.max_label_length) {
      fail(ErrorCode::bad_config, field, field, "[", i, "] is ", length, " characters long; the limit is ",
           limits.max_label_length);
    }
  }
}

void check_finite(const Matrix& m, const char* field) {
  for (std::size_t r = 0; r < m.rows; ++r) {
    for (std::size_t c = 0; c < m.cols; ++c) {
      const float v = m.at(r, c);
      if (!std::isfinite(v)) {
        fail(ErrorCode::non_finite, field, field, "[", r, "][", c, "] is ",
             std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"),
             "; every entry must be a finite number");
      }
    }
  }
}

void check_rows(const Matrix& m, const char* field, std::size_t want, const char* owner,
                const char* owner_dim) {
  if (m.rows != want) {
    fail(ErrorCode::shape_mismatch, field, field, " has ", plural(m.rows, "row"), " but ", owner, " has ",
         plural(want, owner_dim));
  }
}

}  // namespace

namespace {

template <class Enum, std::size_t N>
Enum option_from(const std::string& name, const char* field, const std::pair<const char*, Enum> (&options)[N],
                 const char* alternative) {
  for (const auto& [text, value] : options) {
    if (name == text) return value;
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) list += std::string(i ? ", \"" : "\"") + options[i].first + "\"";
  const std::string shown = name.size() > 24 ? name.substr(0, 24) + "…" : name;
  fail(ErrorCode::bad_config, field, field, " has no option \"", shown, "\"; use ", list, alternative);
}

}  // namespace

ScaleKind scale_from(const std::string& name) {
  static const std::pair<const char*, ScaleKind> options[] = {{"sqrt_dk", ScaleKind::sqrt_dk},
                                                              {"none", ScaleKind::none}};
  return option_from(name, "scale", options, " or a number");
}
MaskKind mask_from(const std::string& name) {
  static const std::pair<const char*, MaskKind> options[] = {{"none", MaskKind::none},
                                                             {"causal", MaskKind::causal}};
  return option_from(name, "mask", options, " or a matrix of 1 (keep) and 0 (block)");
}
Positional positional_from(const std::string& name) {
  static const std::pair<const char*, Positional> options[] = {
      {"none", Positional::none}, {"sinusoidal", Positional::sinusoidal}, {"rope", Positional::rope}};
  return option_from(name, "positional", options, "");
}
ScoreKind score_from(const std::string& name) {
  static const std::pair<const char*, ScoreKind> options[] = {{"dot", ScoreKind::dot},
                                                              {"additive", ScoreKind::additive}};
  return option_from(name, "score", options, "");
}

std::size_t count_from(double value, const char* field) {
  if (!(value >= 1) || value != std::floor(value)) {
    fail(ErrorCode::bad_config, field, field, " must be a whole number of at least 1, but it is ", value);
  }
  // Far beyond any limit; saturating keeps the conversion defined and the limit check honest.
  if (value > 1e9) fail(ErrorCode::too_large, field, field, " is ", value, ", far beyond the limit");
  return static_cast<std::size_t>(value);
}

void check_fields(const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    bool known = false;
    const char* near = nullptr;
    for (const FieldDef& f : kConfigFields) {
      if (name == f.name) known = true;
      const std::string candidate = f.name;
      if (candidate.size() == name.size() &&
          std::equal(candidate.begin(), candidate.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          })) {
        near = f.name;
      }
    }
    if (known) continue;
    std::string shown = name.size() > 24 ? name.substr(0, 24) + "…" : name;
    if (near)
      fail(ErrorCode::bad_config, name, "unknown field \"", shown, "\"; did you mean \"", near, "\"?");
    fail(ErrorCode::bad_config, name, "unknown field \"", shown, "\"");
  }
}

void validate(const Config& cfg, LimitProfile profile) {
  const Limits limits = limits_of(profile);
  // Sizes first: too-large input is refused before anything else is looked at.
  struct Named {
    const Matrix* m;
    const char* field;
  };
  const Named inputs[] = {{&cfg.x, "x"},   {cfg.context ? &*cfg.context : nullptr, "context"},
                          {&cfg.wq, "wq"}, {&cfg.wk, "wk"},
                          {&cfg.wv, "wv"}, {cfg.wo ? &*cfg.wo : nullptr, "wo"}};
  for (const auto& in : inputs) {
    if (!in.m) continue;
    check_size(in.m->rows, limits.max_dim, in.field, "rows");
    check_size(in.m->cols, limits.max_dim, in.field, "columns");
  }
  check_size(cfg.x.rows, limits.max_tokens, "x", "rows (tokens)");
  check_size(cfg.x.cols, limits.max_d_model, "x", "columns (d_model)");
  if (cfg.context) check_size(cfg.context->rows, limits.max_tokens, "context", "rows (tokens)");
  if (cfg.wo) check_size(cfg.wo->cols, limits.max_d_model, "wo", "columns (d_out)");
  if (cfg.heads < 1) fail(ErrorCode::bad_config, "heads", "heads must be a whole number of at least 1");
  if (cfg.heads > limits.max_heads) {
    fail(ErrorCode::too_large, "heads", "heads is ", cfg.heads, "; the limit is ", limits.max_heads);
  }
  if (cfg.wq.cols / cfg.heads > limits.max_head_width) {
    fail(ErrorCode::too_large, "wq", "d_k is ", cfg.wq.cols / cfg.heads, "; the limit is ",
         limits.max_head_width);
  }
  if (cfg.wv.cols / cfg.heads > limits.max_head_width) {
    fail(ErrorCode::too_large, "wv", "d_v is ", cfg.wv.cols / cfg.heads, "; the limit is ",
         limits.max_head_width);
  }
  const std::size_t n = cfg.x.rows;
  const std::size_t m = cfg.context ? cfg.context->rows : n;
  if (cfg.heads * n * m > limits.max_head_cells) {
    fail(ErrorCode::too_large, "heads", cfg.heads, " heads of ", n, " x ", m,
         " attention weights are too many to keep every step; use fewer heads or shorter inputs");
  }

  for (const auto& in : inputs) {
    if (in.m) check_stored(*in.m, in.field);
  }
  // Values before shapes, as the JSON is read: a NaN is named even when a shape is wrong too.
  for (const auto& in : inputs) {
    if (in.m) check_finite(*in.m, in.field);
  }
  for (std::size_t i = 0; i < cfg.va.size(); ++i) {
    if (!std::isfinite(cfg.va[i])) fail(ErrorCode::non_finite, "va", "va[", i, "] is not a finite number");
  }

  const std::size_t d_model = cfg.x.cols;
  if (cfg.context && cfg.context->cols != d_model) {
    fail(ErrorCode::shape_mismatch, "context", "context has ", plural(cfg.context->cols, "column"),
         " but x has ", d_model, "; queries and context must share d_model");
  }
  check_rows(cfg.wq, "wq", d_model, "x", "column");
  check_rows(cfg.wk, "wk", d_model, "x", "column");
  check_rows(cfg.wv, "wv", d_model, "x", "column");
  if (cfg.wk.cols != cfg.wq.cols) {
    fail(ErrorCode::shape_mismatch, "wk", "wk has ", plural(cfg.wk.cols, "column"), " but wq has ",
         cfg.wq.cols, "; queries and keys must have the same width");
  }
  if (cfg.wq.cols % cfg.heads != 0) {
    fail(ErrorCode::shape_mismatch, "wq", "wq has ", plural(cfg.wq.cols, "column"),
         ", which cannot be split evenly into ", plural(cfg.heads, "head"));
  }
  if (cfg.wv.cols % cfg.heads != 0) {
    fail(ErrorCode::shape_mismatch, "wv", "wv has ", plural(cfg.wv.cols, "column"),
         ", which cannot be split evenly into ", plural(cfg.heads, "head"));
  }
  if (cfg.wo && cfg.wo->rows != cfg.wv.cols) {
    fail(ErrorCode::shape_mismatch, "wo", "wo has ", plural(cfg.wo->rows, "row"),
         " but the concatenated heads have ", plural(cfg.wv.cols, "column"), " (heads x d_v)");
  }

  const std::size_t d_k = cfg.wq.cols / cfg.heads;
  if (cfg.positional == Positional::rope && d_k % 2 != 0) {
    fail(ErrorCode::bad_config, "positional", "RoPE rotates pairs of dimensions, so d_k must be even; it is ",
         d_k);
  }

  if (cfg.mask == MaskKind::custom) {
    const Matrix& mk = cfg.mask_matrix;
    if (mk.data.size() != mk.rows * mk.cols) {
      fail(ErrorCode::bad_config, "mask", "mask holds ", mk.data.size(), " values but claims ", mk.rows,
           " x ", mk.cols);
    }
    if (mk.rows != n || mk.cols != m) {
      fail(ErrorCode::shape_mismatch, "mask", "mask is ", mk.rows, " x ", mk.cols, " but the weights are ", n,
           " x ", m, " (one row per query, one column per key)");
    }
    for (std::size_t r = 0; r < n; ++r) {
      for (std::size_t c = 0; c < m; ++c) {
        const float v = mk.at(r, c);
        if (v != 0.0f && v != 1.0f) {
          fail(ErrorCode::bad_config, "mask", "mask[", r, "][", c, "] is ", v,
               "; use 1 to keep a key or 0 to block it");
        }
      }
    }
  }

  if (cfg.score == ScoreKind::additive && !cfg.va.empty() && cfg.va.size() != d_k) {
    fail(ErrorCode::shape_mismatch, "va", "va has ", plural(cfg.va.size(), "value"), " but d_k is ", d_k,
         "; the additive score needs one weight per key dimension");
  }
  if (cfg.scale == ScaleKind::custom &&
      !(std::isfinite(cfg.scale_value) && std::abs(cfg.scale_value) <= 3.4028234663852886e38)) {
    fail(ErrorCode::non_finite, "scale", "scale must be a finite number");
  }
  // A factor that float32 cannot hold (1e-50 would become 0 and silently zero every score).
  if (cfg.scale == ScaleKind::custom && cfg.scale_value != 0.0 &&
      static_cast<float>(cfg.scale_value) == 0.0f) {
    fail(ErrorCode::bad_config, "scale", "scale is ", cfg.scale_value,
         ", too small for float32 (it would become 0); use a number of at least about 1e-38");
  }

  check_labels(cfg.tokens, "tokens", n, "x", limits);
  if (!cfg.context && !cfg.context_tokens.empty()) {
    fail(ErrorCode::bad_config, "contextTokens",
         "contextTokens labels the context rows, but there is no context");
  }
  check_labels(cfg.context_tokens, "contextTokens", m, "context", limits);
}

}  // namespace attention
