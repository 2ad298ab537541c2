// Prints the native core's trace of every golden case as JSON, so the node:test layer
// can check that the wasm build agrees with the native build entry for entry.
#include <iostream>

#include "attention/attention.hpp"
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
    json heads = json::array();
    for (const auto& h : t.heads) {
      // -inf (masked entries) has no JSON form; the test compares masked via weights.
      heads.push_back({{"q", flat(h.q)}, {"k", flat(h.k)}, {"v", flat(h.v)}, {"scores", flat(h.scores)},
                       {"scaled", flat(h.scaled)}, {"weights", flat(h.weights)}, {"output", flat(h.output)}});
    }
    out[c.at("name").get<std::string>()] = {{"x", flat(t.x)}, {"pe", flat(t.pe)}, {"q", flat(t.q)},
                                            {"k", flat(t.k)}, {"v", flat(t.v)}, {"heads", heads},
                                            {"concat", flat(t.concat)}, {"final", flat(t.final)}};
  }
  std::cout << out.dump() << "\n";
}
