// Native benchmark of the fused kernel (npm run bench runs it first): our xsimd path, a
// plain scalar implementation and Eigen 3 (the native peer: Q·Kᵀ, row softmax, ·V with
// Eigen's own vectorised products), single thread, d = 64, plus this core's measured FMA
// peak, so the kernel's efficiency is a fraction of something measured, not of a datasheet.
// Every result is checked against the tests' double reference (tests/cpp/reference.hpp).
#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "attention/fused.hpp"
#include "reference.hpp"

using Clock = std::chrono::steady_clock;
using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

namespace {

template <class F>
double median_ms(F&& f, double budget_ms = 1000) {
  f();  // warm-up
  std::vector<double> samples;
  const auto start = Clock::now();
  while (samples.size() < 3 ||
         (std::chrono::duration<double, std::milli>(Clock::now() - start).count() < budget_ms &&
          samples.size() < 30)) {
    const auto t0 = Clock::now();
    f();
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

void scalar_attention(const float* q, const float* k, const float* v, float* out, std::size_t n,
                      std::size_t d, bool causal, float scale) {
  std::vector<float> row(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t visible = causal ? i + 1 : n;
    float mx = -INFINITY;
    for (std::size_t j = 0; j < visible; ++j) {
      float s = 0;
      for (std::size_t p = 0; p < d; ++p) s += q[i * d + p] * k[j * d + p];
      row[j] = s * scale;
      mx = std::max(mx, row[j]);
    }
    float sum = 0;
    for (std::size_t j = 0; j < visible; ++j) sum += (row[j] = std::exp(row[j] - mx));
    for (std::size_t c = 0; c < d; ++c) out[i * d + c] = 0;
    for (std::size_t j = 0; j < visible; ++j)
      for (std::size_t c = 0; c < d; ++c) out[i * d + c] += row[j] / sum * v[j * d + c];
  }
}

void eigen_attention(const RowMatrix& q, const RowMatrix& k, const RowMatrix& v, RowMatrix& out, bool causal,
                     float scale) {
  RowMatrix s = (q * k.transpose()) * scale;
  if (causal) s.triangularView<Eigen::StrictlyUpper>().setConstant(-INFINITY);
  s = (s.colwise() - s.rowwise().maxCoeff()).array().exp().matrix();
  s = s.array().colwise() / s.rowwise().sum().array();
  out.noalias() = s * v;
}

// Largest difference between rows 0, 1, n/2 and n-1 of `out` and the double reference (all
// of it at n = 4096 would take longer than the benchmark). Row i sees keys 0..i if causal.
double reference_error(const float* out, const RowMatrix& q, const RowMatrix& k, const RowMatrix& v,
                       bool causal, float scale) {
  const std::size_t n = q.rows(), d = q.cols();
  double worst = 0;
  for (std::size_t i : {std::size_t{0}, std::size_t{1}, n / 2, n - 1}) {
    if (i >= n) continue;
    const std::size_t keys = causal ? i + 1 : n;
    const reference::Mat want = reference::softmax_attention(
        reference::from(q.data() + i * d, 1, d), reference::from(k.data(), keys, d),
        reference::from(v.data(), keys, d), scale, attention::Causal::no);
    for (std::size_t c = 0; c < d; ++c) worst = std::max(worst, std::fabs(out[i * d + c] - want[0][c]));
  }
  return worst;
}

// Independent FMA chains, enough to hide the latency: the core's single-thread peak.
double fma_peak_gflops() {
  using batch = xsimd::batch<float>;
  constexpr int chains = 12;
  batch acc[chains];
  for (int c = 0; c < chains; ++c) acc[c] = batch(1.0f + c * 1e-3f);
  const batch a(0.999999f), b(1e-7f);
  const long iters = 50'000'000;
  const auto t0 = Clock::now();
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < chains; ++c) acc[c] = xsimd::fma(acc[c], a, b);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  float sink = 0;
  for (int c = 0; c < chains; ++c) sink += xsimd::reduce_add(acc[c]);
  if (sink == 42.0f) std::puts("");  // keeps the loop alive
  return 2.0 * batch::size * chains * iters / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  const double peak = fma_peak_gflops();
  std::printf("native attention forward, d = 64, float32, one thread; xsimd %s, batch of %zu floats\n",
              xsimd::default_arch::name(), xsimd::batch<float>::size);
  std::printf("measured FMA peak of this core: %.1f GFLOP/s\n\n", peak);
  std::printf(
      "| n | mask | ours (xsimd) ms (GFLOP/s) | scalar ms (GFLOP/s) | Eigen ms (GFLOP/s) | ours vs Eigen | "
      "ours / FMA peak |\n");
  std::printf("|---:|---|---:|---:|---:|---:|---:|\n");
  const std::size_t d = 64;
  std::vector<std::size_t> sizes = {64, 256, 1024, 2048, 4096};
  if (argc > 1) sizes = {static_cast<std::size_t>(std::atoi(argv[1]))};
  for (bool causal : {false, true}) {
    for (std::size_t n : sizes) {
      RowMatrix q = RowMatrix::Random(n, d), k = RowMatrix::Random(n, d), v = RowMatrix::Random(n, d),
                eo(n, d);
      std::vector<float> out(n * d), so(n * d);
      const float scale = 1.0f / std::sqrt(float(d));
      const attention::FusedShape shape{n, n, d, d};
      const auto c = causal ? attention::Causal::yes : attention::Causal::no;
      const double ours = median_ms(
          [&] { attention::fused_attention(q.data(), k.data(), v.data(), out.data(), shape, scale, c); });
      const double scalar = median_ms(
          [&] { scalar_attention(q.data(), k.data(), v.data(), so.data(), n, d, causal, scale); }, 500);
      const double eigen = median_ms([&] { eigen_attention(q, k, v, eo, causal, scale); });
      const std::pair<const char*, const float*> results[] = {
          {"ours", out.data()}, {"scalar", so.data()}, {"Eigen", eo.data()}};
      for (const auto& [name, result] : results) {
        // float32 results of a 64-wide dot product and an n-term average: 1e-4 is generous
        const double error = reference_error(result, q, k, v, causal, scale);
        if (error > 1e-4) {
          std::printf("%s differs from the double reference by %g at n = %zu%s\n", name, error, n,
                      causal ? ", causal" : "");
          return 1;
        }
      }
      const double flops = 4.0 * n * n * d;
      std::printf("| %zu | %s | %.3f (%.1f) | %.3f (%.1f) | %.3f (%.1f) | ×%.2f | %.0f%% |\n", n,
                  causal ? "causal" : "none", ours, flops / ours / 1e6, scalar, flops / scalar / 1e6, eigen,
                  flops / eigen / 1e6, eigen / ours,
                  100.0 * (flops / ours / 1e6) / peak * (causal ? 0.5 : 1.0));
    }
  }
  std::printf(
      "\n(GFLOP/s count 4·n·n·d for causal too; the peak fraction of causal runs counts the half they "
      "do.)\n");
}
