#pragma once
// Plain tensor types shared by core/. Shape legend used across core/:
//   n = tokens (query rows / key columns), d = head dim, h = heads.
// A head's Q, K, V or output is an [n, d] row-major float matrix; several heads
// are stored head-major as [h, n, d] in one contiguous buffer.
#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace sparsescope {

using MatrixRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatrixRM>;
using ConstMapRM = Eigen::Map<const MatrixRM>;

// [h, n, d] float32, contiguous, head-major.
struct HeadTensor {
    int64_t heads = 0;
    int64_t n = 0;
    int64_t d = 0;
    std::vector<float> data;

    HeadTensor() = default;
    HeadTensor(int64_t h, int64_t n_, int64_t d_)
        : heads(h), n(n_), d(d_), data(static_cast<size_t>(h * n_ * d_), 0.0f) {}

    bool empty() const { return heads == 0 || n == 0; }
    MapRM head(int64_t i) { return MapRM(data.data() + i * n * d, n, d); }
    ConstMapRM head(int64_t i) const { return ConstMapRM(data.data() + i * n * d, n, d); }
};

}  // namespace sparsescope
