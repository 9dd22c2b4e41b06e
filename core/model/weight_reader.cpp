#include "core/model/weight_reader.h"

#include "core/common/error.h"

#include <filesystem>

namespace sparsescope {
namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string weightsSource(const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path index = fs::path(dir) / "model.safetensors.index.json";
    if (fs::exists(index) && !fs::exists(fs::path(dir) / "model.safetensors")) return index.string();
    return (fs::path(dir) / "model.safetensors").string();
}

}  // namespace

WeightReader::WeightReader(const std::string& dir) : source_(weightsSource(dir)), store_(dir) {}

std::vector<float> WeightReader::load(const std::string& name, const std::vector<int64_t>& shape) const {
    if (!store_.has(name)) throw Error(source_, name, "missing tensor (the architecture in config.json needs it)");
    const StTensorInfo& info = store_.info(name);
    if (info.shape != shape)
        throw Error(source_, name,
                    "shape " + shapeText(info.shape) + " in the checkpoint, but config.json implies " +
                        shapeText(shape));
    return store_.load(name, shape);
}

MatrixRM WeightReader::matrix(const std::string& name, int64_t rows, int64_t cols) const {
    std::vector<float> data = load(name, {rows, cols});
    return ConstMapRM(data.data(), rows, cols);
}

MatrixRM WeightReader::matrixTransposed(const std::string& name, int64_t rows, int64_t cols) const {
    std::vector<float> data = load(name, {cols, rows});
    return ConstMapRM(data.data(), cols, rows).transpose();
}

Eigen::VectorXf WeightReader::vector(const std::string& name, int64_t size) const {
    std::vector<float> data = load(name, {size});
    return Eigen::Map<const Eigen::VectorXf>(data.data(), size);
}

Linear WeightReader::linear(const std::string& prefix, int64_t out, int64_t in, bool withBias) const {
    Linear l;
    l.weight = matrix(prefix + ".weight", out, in);
    if (withBias) l.bias = vector(prefix + ".bias", out);
    return l;
}

Linear stackLinears(const std::vector<const Linear*>& parts) {
    int64_t rows = 0;
    bool anyBias = false;
    for (const Linear* p : parts) {
        rows += p->outFeatures();
        anyBias = anyBias || p->bias.size() > 0;
    }
    Linear fused;
    const int64_t in = parts.empty() ? 0 : parts.front()->inFeatures();
    fused.weight.resize(rows, in);
    if (anyBias) fused.bias = Eigen::VectorXf::Zero(rows);
    int64_t r = 0;
    for (const Linear* p : parts) {
        fused.weight.middleRows(r, p->outFeatures()) = p->weight;
        if (p->bias.size() > 0) fused.bias.segment(r, p->outFeatures()) = p->bias;
        r += p->outFeatures();
    }
    return fused;
}

}  // namespace sparsescope
