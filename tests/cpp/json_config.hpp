// Test support: reads the JSON config of the JS API into attention::Config, so the
// golden cases in tests/golden/cases.json drive the native core exactly as they drive
// the wasm module. Trusts the file's structure (it is ours); the engine validates sizes.
#pragma once

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "attention/config.hpp"

namespace json_config {

using nlohmann::json;

inline attention::Matrix matrix(const json& rows) {
  attention::Matrix m;
  m.rows = rows.size();
  m.cols = rows.empty() ? 0 : rows[0].size();
  for (const auto& row : rows)
    for (const auto& v : row) m.data.push_back(v.get<float>());
  return m;
}

inline attention::Config parse(const json& j) {
  attention::Config c;
  c.x = matrix(j.at("x"));
  if (j.contains("context")) c.context = matrix(j["context"]);
  c.heads = j.value("heads", 1);
  c.wq = matrix(j.at("wq"));
  c.wk = matrix(j.at("wk"));
  c.wv = matrix(j.at("wv"));
  if (j.contains("wo")) c.wo = matrix(j["wo"]);
  if (j.contains("scale")) {
    const json& s = j["scale"];
    if (s.is_number()) {
      c.scale = attention::ScaleKind::custom;
      c.scale_value = s.get<float>();
    } else if (s == "none") {
      c.scale = attention::ScaleKind::none;
    }
  }
  if (j.contains("mask")) {
    const json& mk = j["mask"];
    if (mk.is_array()) {
      c.mask = attention::MaskKind::custom;
      c.mask_matrix = matrix(mk);
    } else if (mk == "causal") {
      c.mask = attention::MaskKind::causal;
    }
  }
  const std::string positional = j.value("positional", "none");
  if (positional == "sinusoidal") c.positional = attention::Positional::sinusoidal;
  if (positional == "rope") c.positional = attention::Positional::rope;
  if (j.value("score", "dot") == "additive") c.score = attention::ScoreKind::additive;
  if (j.contains("va")) c.va = j["va"].get<std::vector<float>>();
  return c;
}

inline json golden_cases() {
  std::ifstream in(ATTENTION_GOLDEN_CASES);
  return json::parse(in).at("cases");
}

}  // namespace json_config
