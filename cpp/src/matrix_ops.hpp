// Whole-matrix operations on top of the kernels, shared by the forward pass
// (attention.cpp) and the backward pass (backward.cpp). Internal to cpp/src. Each
// operation has one name, the kernel's: matmul, matmul_nt, matmul_tn, add.
#pragma once

#include "attention/kernels.hpp"
#include "attention/matrix.hpp"

namespace attention::ops {

// a b
inline Matrix matmul(const Matrix& a, const Matrix& b) {
  Matrix c(a.rows, b.cols);
  kernels::matmul(a.data.data(), b.data.data(), c.data.data(), a.rows, a.cols, b.cols);
  return c;
}

// a b^T
inline Matrix matmul_nt(const Matrix& a, const Matrix& b) {
  Matrix c(a.rows, b.rows);
  kernels::matmul_nt(a.data.data(), b.data.data(), c.data.data(), a.rows, b.rows, a.cols);
  return c;
}

inline Matrix transpose(const Matrix& a) {
  Matrix t(a.cols, a.rows);
  for (std::size_t r = 0; r < a.rows; ++r)
    for (std::size_t c = 0; c < a.cols; ++c) t.at(c, r) = a.at(r, c);
  return t;
}

// a^T b
inline Matrix matmul_tn(const Matrix& a, const Matrix& b) { return matmul(transpose(a), b); }

// a + b, elementwise
inline Matrix add(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows, a.cols);
  kernels::add(a.data.data(), b.data.data(), out.data.data(), a.data.size());
  return out;
}

// `count` columns of m starting at `first` (one head's slice)
inline Matrix columns(const Matrix& m, std::size_t first, std::size_t count) {
  Matrix out(m.rows, count);
  for (std::size_t r = 0; r < m.rows; ++r)
    for (std::size_t c = 0; c < count; ++c) out.at(r, c) = m.at(r, first + c);
  return out;
}

// writes `part` into m's columns starting at `first` (the inverse of columns)
inline void set_columns(Matrix& m, std::size_t first, const Matrix& part) {
  for (std::size_t r = 0; r < part.rows; ++r)
    for (std::size_t c = 0; c < part.cols; ++c) m.at(r, first + c) = part.at(r, c);
}

}  // namespace attention::ops
