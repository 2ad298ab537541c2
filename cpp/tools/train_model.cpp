// npm run train:model: trains the tiny transformer (attention/model.hpp) on
// web/data/pronouns-train.json, measures it on web/data/pronouns-heldout.json, prints the
// figures and the sentences it gets wrong, and writes web/data/pronoun-model.json: the
// vocabulary, the weights and the figures, which tests/node/model.test.js recomputes
// through the wasm module. Deterministic: the same data and seed give the same weights.
//
// Usage: train_model [--epochs N] [--seed N] [--learning-rate X] [--batch N] [--attention-weight X]
//                    [--out FILE]
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "attention/model.hpp"

using nlohmann::json;
namespace model = attention::model;

namespace {

const std::map<std::string, std::string> kPronouns{{"en", "it"}, {"zh", "它"}};
const char* const kLanguages[] = {"en", "zh"};

struct Sentence {
  std::string lang, text;
  std::vector<std::string> words;
  std::size_t referent = 0;
  long pair = -1;  // contrast pair id (held-out only)
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<Sentence> read_set(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path + " (run node scripts/make-pronouns.js)");
  std::vector<Sentence> out;
  for (const json& e : json::parse(in)) {
    Sentence s;
    s.lang = e.at("lang").get<std::string>();
    s.text = e.at("sentence").get<std::string>();
    s.words = split(s.text);
    s.referent = e.at("referent").get<std::size_t>();
    if (e.contains("pair")) s.pair = e.at("pair").get<long>();
    out.push_back(std::move(s));
  }
  return out;
}

// The shortest text that reads back as the same float32, as a JSON number.
json number(float v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
  return std::strtod(std::string(buf, end).c_str(), nullptr);
}

json matrix_json(const attention::Matrix& m) {
  json data = json::array();
  for (float v : m.data) data.push_back(number(v));
  return {{"rows", m.rows}, {"cols", m.cols}, {"data", data}};
}

struct Scores {
  std::size_t sentences = 0, readout = 0, attention = 0, both = 0, pairs = 0, pairs_both = 0;
  json wrong = json::array();
};

}  // namespace

int main(int argc, char** argv) {
  model::TrainOptions options;
  std::string out_path = std::string(ATTENTION_SOURCE_DIR) + "/web/data/pronoun-model.json";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--epochs")
      options.epochs = std::strtoul(argv[i + 1], nullptr, 10);
    else if (flag == "--seed")
      options.seed = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--learning-rate")
      options.learning_rate = std::strtof(argv[i + 1], nullptr);
    else if (flag == "--batch")
      options.batch = std::strtoul(argv[i + 1], nullptr, 10);
    else if (flag == "--attention-weight")
      options.attention_weight = std::strtof(argv[i + 1], nullptr);
    else if (flag == "--out")
      out_path = argv[i + 1];
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  const std::string data = std::string(ATTENTION_SOURCE_DIR) + "/web/data/";
  const auto train_set = read_set(data + "pronouns-train.json");
  const auto heldout_set = read_set(data + "pronouns-heldout.json");

  // The vocabulary: every word of the training set, English then Chinese, each sorted.
  std::vector<std::string> vocabulary;
  json words_of = json::object();
  for (const char* lang : kLanguages) {
    std::vector<std::string> words;
    for (const Sentence& s : train_set)
      if (s.lang == lang) words.insert(words.end(), s.words.begin(), s.words.end());
    std::sort(words.begin(), words.end());
    words.erase(std::unique(words.begin(), words.end()), words.end());
    words_of[lang] = words;
    vocabulary.insert(vocabulary.end(), words.begin(), words.end());
  }
  std::map<std::string, std::size_t> id;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) id[vocabulary[i]] = i;

  auto example_of = [&](const Sentence& s) {
    model::Example e;
    for (const std::string& w : s.words) {
      if (!id.count(w))
        throw std::runtime_error("\"" + w + "\" of \"" + s.text + "\" is not in the vocabulary");
      e.tokens.push_back(id.at(w));
    }
    e.pronoun = static_cast<std::size_t>(std::find(s.words.begin(), s.words.end(), kPronouns.at(s.lang)) -
                                         s.words.begin());
    e.referent = s.referent;
    return e;
  };
  std::vector<model::Example> examples;
  std::size_t longest = 0;
  for (const Sentence& s : train_set) {
    examples.push_back(example_of(s));
    longest = std::max(longest, s.words.size());
  }

  model::Shape shape;
  shape.vocabulary = vocabulary.size();
  shape.max_tokens = 16;
  std::printf(
      "training: %zu sentences, %zu words, d_model %zu, %zu heads, %zu layers, %zu epochs, seed %llu\n",
      examples.size(), vocabulary.size(), shape.d_model, shape.heads, shape.layers, options.epochs,
      static_cast<unsigned long long>(options.seed));
  const auto start = std::chrono::steady_clock::now();
  double final_loss = 0;
  const model::Weights w = model::train(shape, examples, options, [&](std::size_t epoch, double loss) {
    final_loss = loss;
    std::printf("  epoch %2zu  loss %.4f\n", epoch, loss);
    std::fflush(stdout);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("trained in %.1f s\n", seconds);

  auto measure = [&](const std::vector<Sentence>& set) {
    Scores sc;
    std::map<long, int> pair_right, pair_count;
    for (const Sentence& s : set) {
      const model::Example e = example_of(s);
      const model::Forward f = model::forward(w, e.tokens, e.pronoun);
      const bool readout = f.readout == s.referent, attention = f.attention == s.referent;
      ++sc.sentences;
      sc.readout += readout;
      sc.attention += attention;
      sc.both += readout && attention;
      if (s.pair >= 0) {
        ++pair_count[s.pair];
        pair_right[s.pair] += readout && attention;
      }
      if (!(readout && attention)) {
        sc.wrong.push_back({{"lang", s.lang},
                            {"sentence", s.text},
                            {"referent", s.referent},
                            {"readout", f.readout},
                            {"attention", f.attention}});
      }
    }
    for (const auto& [pair, count] : pair_count) {
      ++sc.pairs;
      sc.pairs_both += pair_right[pair] == count;
    }
    return sc;
  };
  const Scores train_scores = measure(train_set), heldout = measure(heldout_set);
  auto pct = [](std::size_t a, std::size_t b) { return b ? 100.0 * a / b : 0.0; };
  auto figures = [&](const Scores& s) {
    json j = {
        {"sentences", s.sentences}, {"readout", s.readout}, {"attention", s.attention}, {"both", s.both}};
    if (s.pairs) {
      j["contrastPairs"] = s.pairs;
      j["contrastPairsBoth"] = s.pairs_both;
    }
    j["wrong"] = s.wrong;
    return j;
  };
  std::printf("training set: both right %zu/%zu (%.1f %%)\n", train_scores.both, train_scores.sentences,
              pct(train_scores.both, train_scores.sentences));
  std::printf(
      "held out: readout %zu/%zu (%.1f %%), last-layer attention %zu/%zu (%.1f %%), both %zu/%zu (%.1f %%)\n",
      heldout.readout, heldout.sentences, pct(heldout.readout, heldout.sentences), heldout.attention,
      heldout.sentences, pct(heldout.attention, heldout.sentences), heldout.both, heldout.sentences,
      pct(heldout.both, heldout.sentences));
  std::printf("contrast pairs with both sentences right: %zu/%zu (%.1f %%)\n", heldout.pairs_both,
              heldout.pairs, pct(heldout.pairs_both, heldout.pairs));
  for (const json& e : heldout.wrong) {
    std::printf("  wrong: [%s] %s  (referent %zu, readout %zu, attention %zu)\n",
                e["lang"].get<std::string>().c_str(), e["sentence"].get<std::string>().c_str(),
                e["referent"].get<std::size_t>(), e["readout"].get<std::size_t>(),
                e["attention"].get<std::size_t>());
  }

  json weights = json::object();
  weights["embedding"] = matrix_json(w.embedding);
  weights["position"] = matrix_json(w.position);
  json layers = json::array();
  for (const model::Layer& l : w.layers) {
    layers.push_back({{"wq", matrix_json(l.wq)},
                      {"wk", matrix_json(l.wk)},
                      {"wv", matrix_json(l.wv)},
                      {"wo", matrix_json(l.wo)}});
  }
  weights["layers"] = layers;
  weights["readout"] = matrix_json(w.readout);
  json out = {
      {"about",
       "The tiny transformer of docs/model.md, written by npm run train:model (cpp/tools/train_model.cpp)."},
      {"format", 1},
      {"shape",
       {{"vocabulary", shape.vocabulary},
        {"maxTokens", shape.max_tokens},
        {"dModel", shape.d_model},
        {"heads", shape.heads},
        {"layers", shape.layers}}},
      {"languages", kLanguages},
      {"pronouns", kPronouns},
      {"vocabulary", vocabulary},
      {"words", words_of},
      {"training",
       {{"seed", options.seed},
        {"epochs", options.epochs},
        {"batch", options.batch},
        {"learningRate", number(options.learning_rate)},
        {"attentionWeight", number(options.attention_weight)},
        {"sentences", examples.size()},
        {"finalLoss", final_loss},
        {"seconds", std::round(seconds * 10) / 10}}},
      {"accuracy", {{"train", figures(train_scores)}, {"heldout", figures(heldout)}}},
      {"weights", weights},
  };
  std::ofstream file(out_path);
  file << out.dump() << "\n";
  std::printf("wrote %s\n", out_path.c_str());
  return 0;
}
