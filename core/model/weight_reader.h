#pragma once
// Reads the tensors of a model folder into Eigen matrices, checking each one's
// shape against what config.json implies, so a mismatch is reported with the
// tensor name and both shapes instead of surfacing as a wrong answer or a crash.
#include "core/common/tensor.h"
#include "core/io/safetensors.h"
#include "core/model/layers.h"

#include <string>
#include <vector>

namespace sparsescope {

class WeightReader {
public:
    explicit WeightReader(const std::string& dir);

    bool has(const std::string& name) const { return store_.has(name); }
    // The file that names the tensors (model.safetensors or the shard index), for messages.
    const std::string& source() const { return source_; }
    std::string storedDtype() const { return store_.storedDtype(); }

    // [rows, cols] row-major, exactly that shape.
    MatrixRM matrix(const std::string& name, int64_t rows, int64_t cols) const;
    // Stored [cols, rows] (GPT-2 Conv1D keeps [in, out]); returned transposed as [rows, cols].
    MatrixRM matrixTransposed(const std::string& name, int64_t rows, int64_t cols) const;
    Eigen::VectorXf vector(const std::string& name, int64_t size) const;
    // nn.Linear: weight [out, in] and, when withBias, bias [out].
    Linear linear(const std::string& prefix, int64_t out, int64_t in, bool withBias) const;

private:
    std::vector<float> load(const std::string& name, const std::vector<int64_t>& shape) const;

    std::string source_;
    WeightStore store_;
};

// Stack row blocks [a; b; ...] of several Linears with the same input width into
// one (a fused projection: q|k|v or gate|up computed by one GEMM).
Linear stackLinears(const std::vector<const Linear*>& parts);

}  // namespace sparsescope
