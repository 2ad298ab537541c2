// A dense row-major float matrix: the one value type that flows through the engine,
// from the config's inputs to every step of the trace.
#pragma once

#include <cstddef>
#include <vector>

namespace attention {

struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<float> data;  // rows * cols values, row-major

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c, float fill = 0.0f) : rows(r), cols(c), data(r * c, fill) {}
  Matrix(std::size_t r, std::size_t c, std::vector<float> values)
      : rows(r), cols(c), data(std::move(values)) {}

  bool empty() const { return rows == 0 || cols == 0; }
  float& at(std::size_t r, std::size_t c) { return data[r * cols + c]; }
  float at(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  float* row(std::size_t r) { return data.data() + r * cols; }
  const float* row(std::size_t r) const { return data.data() + r * cols; }
};

}  // namespace attention
