// libFuzzer target: arbitrary bytes become shapes, options and values (NaN, +-inf,
// denormals, +-1e38 among them) for both entry points of the core. Passes when every call
// either throws AttentionError or returns only finite numbers; a crash, a sanitizer report
// (ASan + UBSan, no recovery) or a non-finite output from finite inputs fails it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "attention/attention.hpp"
#include "attention/fused.hpp"

namespace {

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  std::size_t small(std::size_t limit) { return byte() % (limit + 1); }  // 0..limit
  float value() {
    const std::uint8_t kind = byte();
    constexpr float special[] = {std::numeric_limits<float>::quiet_NaN(),
                                 std::numeric_limits<float>::infinity(),
                                 -std::numeric_limits<float>::infinity(),
                                 1e-40f,
                                 1e38f,
                                 -1e38f,
                                 0.0f,
                                 -0.0f,
                                 3.4028235e38f,
                                 1e20f};
    if (kind < 10) return special[kind];
    const std::int16_t raw = static_cast<std::int16_t>(byte() | (byte() << 8));
    return static_cast<float>(raw) / (kind < 128 ? 1024.0f : 64.0f);
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

attention::Matrix matrix(Bytes& in, std::size_t rows, std::size_t cols, bool& finite) {
  attention::Matrix m(rows, cols);
  for (float& v : m.data) {
    v = in.value();
    finite = finite && std::isfinite(v);
  }
  return m;
}

void require_finite(const attention::Matrix& m) {
  for (float v : m.data)
    if (!std::isfinite(v)) __builtin_trap();
}

void fuzz_run(Bytes& in) {
  attention::Config c;
  bool finite = true;
  const std::size_t n = in.small(7), d_model = in.small(6), heads = in.small(3), d_k = in.small(4),
                    d_v = in.small(4);
  c.x = matrix(in, n, d_model, finite);
  c.heads = heads;
  // Mostly consistent shapes (so the pipeline runs), sometimes deliberately off by one.
  const std::size_t skew = in.byte() % 8 == 0 ? 1 : 0;
  c.wq = matrix(in, d_model + skew, heads * d_k, finite);
  c.wk = matrix(in, d_model, heads * d_k, finite);
  c.wv = matrix(in, d_model, heads * d_v, finite);
  const std::uint8_t flags = in.byte();
  if (flags & 1) c.context = matrix(in, in.small(6), d_model, finite);
  if (flags & 2) c.wo = matrix(in, heads * d_v, in.small(4), finite);
  c.positional = static_cast<attention::Positional>(in.small(2));
  c.score = static_cast<attention::ScoreKind>(in.small(1));
  c.scale = static_cast<attention::ScaleKind>(in.small(2));
  c.scale_value = in.value();
  if (c.scale == attention::ScaleKind::custom) finite = finite && std::isfinite(c.scale_value);
  c.mask = static_cast<attention::MaskKind>(in.small(2));
  if (c.mask == attention::MaskKind::custom) {
    const std::size_t m = c.context ? c.context->rows : n;
    c.mask_matrix = attention::Matrix(n, m);
    for (float& v : c.mask_matrix.data) v = in.byte() % 5 == 0 ? in.value() : float(in.byte() % 2);
  }
  if (flags & 4) {
    c.va.resize(in.small(5));
    for (float& v : c.va) {
      v = in.value();
      finite = finite && std::isfinite(v);
    }
  }
  try {
    const attention::Trace t = attention::run(c);
    if (!finite) __builtin_trap();  // non-finite input must be refused
    for (const auto& h : t.heads) {
      require_finite(h.scores);
      require_finite(h.weights);
      require_finite(h.output);
    }
    require_finite(t.final);
  } catch (const attention::AttentionError&) {
  }
}

void fuzz_fused(Bytes& in) {
  const attention::FusedShape s{in.small(70), in.small(70), in.small(20), in.small(20)};
  bool finite = true;
  auto fill = [&](std::size_t count) {
    std::vector<float> v(count);
    for (float& x : v) {
      x = in.value();
      finite = finite && std::isfinite(x);
    }
    return v;
  };
  const auto q = fill(s.n * s.dk), k = fill(s.m * s.dk), v = fill(s.m * s.dv);
  const float scale = in.byte() % 4 == 0 ? in.value() : 0.125f;
  std::vector<float> out(s.n * s.dv);
  try {
    attention::fused_attention(q.data(), k.data(), v.data(), out.data(), s, scale,
                               in.byte() % 2 ? attention::Causal::yes : attention::Causal::no);
    if (!finite || !std::isfinite(scale)) __builtin_trap();
    for (float x : out)
      if (!std::isfinite(x)) __builtin_trap();
  } catch (const attention::AttentionError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  if (in.byte() % 2)
    fuzz_run(in);
  else
    fuzz_fused(in);
  return 0;
}
