// The vectorised kernels. Each follows xsimd's documented shape: a main loop over whole
// batches, a horizontal reduction where one is needed, then the scalar tail in the same
// function, so a reader sees one kernel in one place.
#include "attention/kernels.hpp"

#include <cmath>
#include <limits>
#include <xsimd/xsimd.hpp>

namespace attention::kernels {

using batch = xsimd::batch<float>;
constexpr std::size_t W = batch::size;

std::size_t batch_width() { return W; }

void matmul(const float* a, const float* b, float* c, std::size_t n, std::size_t k, std::size_t m) {
  const std::size_t m_vec = m - m % W;
  for (std::size_t i = 0; i < n; ++i) {
    const float* a_row = a + i * k;
    float* c_row = c + i * m;
    // Each batch of C's row stays in a register while all k products are accumulated.
    for (std::size_t j = 0; j < m_vec; j += W) {
      batch acc(0.0f);
      for (std::size_t p = 0; p < k; ++p) {
        acc = xsimd::fma(batch(a_row[p]), batch::load_unaligned(b + p * m + j), acc);
      }
      acc.store_unaligned(c_row + j);
    }
    for (std::size_t j = m_vec; j < m; ++j) {
      float acc = 0.0f;
      for (std::size_t p = 0; p < k; ++p) acc += a_row[p] * b[p * m + j];
      c_row[j] = acc;
    }
  }
}

void matmul_nt(const float* a, const float* b, float* c, std::size_t n, std::size_t m, std::size_t d) {
  const std::size_t d_vec = d - d % W;
  for (std::size_t i = 0; i < n; ++i) {
    const float* a_row = a + i * d;
    for (std::size_t j = 0; j < m; ++j) {
      const float* b_row = b + j * d;
      batch acc(0.0f);
      for (std::size_t p = 0; p < d_vec; p += W) {
        acc = xsimd::fma(batch::load_unaligned(a_row + p), batch::load_unaligned(b_row + p), acc);
      }
      float sum = xsimd::reduce_add(acc);
      for (std::size_t p = d_vec; p < d; ++p) sum += a_row[p] * b_row[p];
      c[i * m + j] = sum;
    }
  }
}

void additive_scores(const float* a, const float* b, const float* va, float* c, std::size_t n, std::size_t m,
                     std::size_t d) {
  const std::size_t d_vec = d - d % W;
  for (std::size_t i = 0; i < n; ++i) {
    const float* a_row = a + i * d;
    for (std::size_t j = 0; j < m; ++j) {
      const float* b_row = b + j * d;
      batch acc(0.0f);
      for (std::size_t p = 0; p < d_vec; p += W) {
        const batch t = xsimd::tanh(batch::load_unaligned(a_row + p) + batch::load_unaligned(b_row + p));
        acc = xsimd::fma(batch::load_unaligned(va + p), t, acc);
      }
      float sum = xsimd::reduce_add(acc);
      for (std::size_t p = d_vec; p < d; ++p) sum += va[p] * std::tanh(a_row[p] + b_row[p]);
      c[i * m + j] = sum;
    }
  }
}

void scale(const float* x, float s, float* y, std::size_t len) {
  const std::size_t len_vec = len - len % W;
  const batch sb(s);
  for (std::size_t i = 0; i < len_vec; i += W) (batch::load_unaligned(x + i) * sb).store_unaligned(y + i);
  for (std::size_t i = len_vec; i < len; ++i) y[i] = x[i] * s;
}

void add(const float* x, const float* z, float* y, std::size_t len) {
  const std::size_t len_vec = len - len % W;
  for (std::size_t i = 0; i < len_vec; i += W) {
    (batch::load_unaligned(x + i) + batch::load_unaligned(z + i)).store_unaligned(y + i);
  }
  for (std::size_t i = len_vec; i < len; ++i) y[i] = x[i] + z[i];
}

void apply_mask(const float* x, const float* keep, float* y, std::size_t len) {
  constexpr float blocked = -std::numeric_limits<float>::infinity();
  const std::size_t len_vec = len - len % W;
  const batch zero(0.0f), minus_inf(blocked);
  for (std::size_t i = 0; i < len_vec; i += W) {
    const auto kept = batch::load_unaligned(keep + i) != zero;
    xsimd::select(kept, batch::load_unaligned(x + i), minus_inf).store_unaligned(y + i);
  }
  for (std::size_t i = len_vec; i < len; ++i) y[i] = keep[i] != 0.0f ? x[i] : blocked;
}

SoftmaxStats softmax_row(const float* x, float* y, std::size_t len) {
  constexpr float minus_inf = -std::numeric_limits<float>::infinity();
  const std::size_t len_vec = len - len % W;

  // Subtracting the row's max makes every exponent <= 0, so exp never overflows,
  // even for scores of 1e4; the largest term is exactly 1, so the sum is >= 1.
  float max = minus_inf;
  if (len_vec > 0) {
    batch max_b(minus_inf);
    for (std::size_t i = 0; i < len_vec; i += W) max_b = xsimd::max(max_b, batch::load_unaligned(x + i));
    max = xsimd::reduce_max(max_b);
  }
  for (std::size_t i = len_vec; i < len; ++i) max = std::fmax(max, x[i]);

  if (max == minus_inf) {  // every key blocked: no distribution exists; report zeros, never NaN
    for (std::size_t i = 0; i < len; ++i) y[i] = 0.0f;
    return {minus_inf, 0.0f};
  }

  // The sum is kept in double, as ggml does: a long row of small terms loses no mass.
  double sum = 0.0;
  const batch max_b(max);
  for (std::size_t i = 0; i < len_vec; i += W) {
    const batch e = xsimd::exp(batch::load_unaligned(x + i) - max_b);
    e.store_unaligned(y + i);
    sum += static_cast<double>(xsimd::reduce_add(e));
  }
  for (std::size_t i = len_vec; i < len; ++i) {
    y[i] = std::exp(x[i] - max);
    sum += static_cast<double>(y[i]);
  }

  const float inv = static_cast<float>(1.0 / sum);
  const batch inv_b(inv);
  for (std::size_t i = 0; i < len_vec; i += W) (batch::load_unaligned(y + i) * inv_b).store_unaligned(y + i);
  for (std::size_t i = len_vec; i < len; ++i) y[i] *= inv;
  return {max, static_cast<float>(sum)};
}

}  // namespace attention::kernels
