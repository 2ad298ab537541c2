// Prints the native core's trace of every golden case as JSON, so the node:test layer
// can check that the wasm build agrees with the native build entry for entry.
#include <iostream>

#include "attention/attention.hpp"
#include "attention/backward.hpp"
#include "json_config.hpp"

using nlohmann::json;

namespace {

json flat(const attention::Matrix& m) {
  if (m.empty()) return nullptr;
  return {{"rows", m.rows}, {"cols", m.cols}, {"data", m.data}};
}

}  // namespace

int main() {
  json out = json::object();
  for (const auto& c : json_config::golden_cases()) {
    const attention::Trace t = attention::run(json_config::parse(c.at("config")));
    // Every step of the core's step table; -inf (masked entries) has no JSON form, so
    // masked is left out and the test compares it through the weights.
    json steps = json::object();
    json heads = json::array();
    for (std::size_t h = 0; h < t.heads.size(); ++h) heads.push_back(json::object());
    for (const attention::NamedTensor& s : attention::steps_of(t)) {
      if (std::string(s.id) == "masked") continue;
      if (s.head < 0)
        steps[s.id] = flat(*s.matrix);
      else
        heads[s.head][s.id] = flat(*s.matrix);
    }
    for (std::size_t h = 0; h < t.heads.size(); ++h) {
      for (const attention::HeadSliceDef& s : attention::kHeadSlices)
        heads[h][s.id] = flat(t.heads[h].*s.head);
    }
    steps["heads"] = heads;
    // Gradients for the seed dFinal[r][c] = ((7r + 3c) mod 5 - 2) / 2, the same in the node test.
    attention::Matrix seed(t.final.rows, t.final.cols);
    for (std::size_t r = 0; r < seed.rows; ++r)
      for (std::size_t col = 0; col < seed.cols; ++col)
        seed.at(r, col) = float((7 * r + 3 * col) % 5) / 2.0f - 1.0f;
    const attention::Gradients g = attention::backward(json_config::parse(c.at("config")), seed);
    json grads = {{"x", flat(g.x)}, {"wq", flat(g.wq)}, {"wk", flat(g.wk)}, {"wv", flat(g.wv)}};
    if (!g.context.empty()) grads["context"] = flat(g.context);
    if (!g.wo.empty()) grads["wo"] = flat(g.wo);
    if (!g.va.empty()) grads["va"] = g.va;
    steps["grads"] = grads;
    out[c.at("name").get<std::string>()] = steps;
  }
  std::cout << out.dump() << "\n";
}
