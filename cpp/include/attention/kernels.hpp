// The vectorised building blocks. Plain pointers and sizes, row-major, no alignment
// required; the SIMD types stay inside cpp/src/kernels.cpp.
#pragma once

#include <cstddef>

namespace attention::kernels {

// Number of floats in one SIMD batch of the build (4 for wasm SIMD128, 8 for AVX2).
std::size_t batch_width();

// c (n x m) = a (n x k) * b (k x m)
void matmul(const float* a, const float* b, float* c, std::size_t n, std::size_t k, std::size_t m);

// c (n x m) = a (n x d) * b(m x d)^T, each entry a dot product of two rows
void matmul_nt(const float* a, const float* b, float* c, std::size_t n, std::size_t m, std::size_t d);

// c (n x m): c[j][k] = sum_c va[c] * tanh(a[j][c] + b[k][c]), a is n x d, b is m x d
void additive_scores(const float* a, const float* b, const float* va, float* c, std::size_t n, std::size_t m,
                     std::size_t d);

// y[i] = x[i] * s
void scale(const float* x, float s, float* y, std::size_t len);

// y[i] = x[i] + z[i]
void add(const float* x, const float* z, float* y, std::size_t len);

// y[i] = keep[i] != 0 ? x[i] : -infinity
void apply_mask(const float* x, const float* keep, float* y, std::size_t len);

struct SoftmaxStats {
  float max;  // largest entry (-inf when every entry is -inf)
  float sum;  // sum of exp(x - max), accumulated in double (0 when every entry is -inf)
};

// y = exp(x - max) / sum over one row; an all -inf row gives all zeros.
SoftmaxStats softmax_row(const float* x, float* y, std::size_t len);

}  // namespace attention::kernels
