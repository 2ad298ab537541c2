// A dense row-major float matrix: the one value type that flows through the engine,
// from the config's inputs to every step of the trace.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace attention {

// Storage aligned to 64 bytes (a cache line; at least one SIMD batch of every build), so
// the kernels' loads from a matrix's start never split a line. A plain allocator: this
// public header carries no SIMD types.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t alignment{64};
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t count) { return static_cast<T*>(::operator new(count * sizeof(T), alignment)); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, alignment); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const AlignedAllocator<U>&) const noexcept {
    return false;
  }
};

using FloatVector = std::vector<float, AlignedAllocator<float>>;

struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  FloatVector data;  // rows * cols values, row-major, 64-byte aligned

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c, float fill = 0.0f) : rows(r), cols(c), data(r * c, fill) {}
  Matrix(std::size_t r, std::size_t c, const std::vector<float>& values)
      : rows(r), cols(c), data(values.begin(), values.end()) {}

  bool empty() const { return rows == 0 || cols == 0; }
  float& at(std::size_t r, std::size_t c) { return data[r * cols + c]; }
  float at(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
  float* row(std::size_t r) { return data.data() + r * cols; }
  const float* row(std::size_t r) const { return data.data() + r * cols; }
};

}  // namespace attention
