#include "core/model/layers.h"

#include "core/common/parallel.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace sparsescope {

void linear(const MatrixRM& x, const Linear& layer, MatrixRM& y, int threads) {
    linear(x, layer.weight, layer.bias, y, threads);
}

void linear(const MatrixRM& x, const MatrixRM& weight, const Eigen::VectorXf& bias, MatrixRM& y,
            int threads) {
    const int64_t n = x.rows();
    y.resize(n, weight.rows());
    if (threads <= 0) threads = defaultThreadCount();
    // At least 16 rows per block so each GEMM still packs efficiently.
    const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(threads, n / 16));
    const int64_t rowsPerBlock = (n + blocks - 1) / blocks;
    parallelFor(
        0, blocks,
        [&](int64_t b) {
            const int64_t r0 = b * rowsPerBlock;
            const int64_t rows = std::min(n, r0 + rowsPerBlock) - r0;
            if (rows <= 0) return;
            auto out = y.middleRows(r0, rows);
            out.noalias() = x.middleRows(r0, rows) * weight.transpose();
            if (bias.size() > 0) out.rowwise() += bias.transpose();
        },
        1, static_cast<int>(blocks));
}

void layerNorm(const MatrixRM& x, const Eigen::VectorXf& w, const Eigen::VectorXf& b, float eps,
               MatrixRM& y) {
    const int64_t n = x.rows(), e = x.cols();
    y.resize(n, e);
    for (int64_t r = 0; r < n; ++r) {
        const float* in = x.data() + r * e;
        float* out = y.data() + r * e;
        double mean = 0.0;
        for (int64_t i = 0; i < e; ++i) mean += in[i];
        mean /= static_cast<double>(e);
        double var = 0.0;
        for (int64_t i = 0; i < e; ++i) var += (in[i] - mean) * (in[i] - mean);
        var /= static_cast<double>(e);
        const float inv = static_cast<float>(1.0 / std::sqrt(var + eps));
        const float m = static_cast<float>(mean);
        for (int64_t i = 0; i < e; ++i) out[i] = (in[i] - m) * inv * w[i] + b[i];
    }
}

void rmsNorm(const MatrixRM& x, const Eigen::VectorXf& w, float eps, MatrixRM& y) {
    const int64_t n = x.rows(), e = x.cols();
    y.resize(n, e);
    for (int64_t r = 0; r < n; ++r) {
        const float* in = x.data() + r * e;
        float* out = y.data() + r * e;
        double ss = 0.0;
        for (int64_t i = 0; i < e; ++i) ss += static_cast<double>(in[i]) * in[i];
        const float inv = static_cast<float>(1.0 / std::sqrt(ss / static_cast<double>(e) + eps));
        for (int64_t i = 0; i < e; ++i) out[i] = w[i] * (in[i] * inv);
    }
}

float geluNew(float x) {
    const float c = static_cast<float>(std::sqrt(2.0 / std::numbers::pi));
    return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * (x * x * x))));
}

float geluErf(float x) {
    return static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

void applyGeluNew(MatrixRM& x) {
    float* p = x.data();
    for (int64_t i = 0, s = x.size(); i < s; ++i) p[i] = geluNew(p[i]);
}

void applyGeluErf(MatrixRM& x) {
    float* p = x.data();
    for (int64_t i = 0, s = x.size(); i < s; ++i) p[i] = geluErf(p[i]);
}

void applyRelu(MatrixRM& x) { x = x.cwiseMax(0.0f); }

void swiglu(const MatrixRM& gu, MatrixRM& out) {
    const int64_t n = gu.rows(), inter = gu.cols() / 2;
    out.resize(n, inter);
    for (int64_t r = 0; r < n; ++r) {
        const float* gate = gu.data() + r * gu.cols();
        const float* up = gate + inter;
        float* o = out.data() + r * inter;
        for (int64_t i = 0; i < inter; ++i) o[i] = silu(gate[i]) * up[i];
    }
}

std::vector<float> ropeInverseFrequencies(int64_t d, double theta) {
    // HF: 1.0 / (base ** (arange(0, d, 2).float() / d)), all in float32.
    std::vector<float> inv(static_cast<size_t>(d / 2));
    const float base = static_cast<float>(theta);
    for (int64_t i = 0; i < d / 2; ++i) {
        const float exponent = static_cast<float>(2 * i) / static_cast<float>(d);
        inv[static_cast<size_t>(i)] = 1.0f / std::pow(base, exponent);
    }
    return inv;
}

RopeTable makeRopeTable(const std::vector<float>& invFreq, int64_t n) {
    RopeTable t;
    t.n = n;
    t.d = static_cast<int64_t>(invFreq.size()) * 2;
    const int64_t half = t.d / 2;
    t.cos.resize(static_cast<size_t>(n * t.d));
    t.sin.resize(static_cast<size_t>(n * t.d));
    for (int64_t p = 0; p < n; ++p) {
        float* c = t.cos.data() + p * t.d;
        float* s = t.sin.data() + p * t.d;
        for (int64_t i = 0; i < half; ++i) {
            // The angle is rounded to float32 like HF's float32 matmul; its cosine
            // is then evaluated accurately and rounded once.
            const float angle = static_cast<float>(p) * invFreq[static_cast<size_t>(i)];
            c[i] = c[i + half] = static_cast<float>(std::cos(static_cast<double>(angle)));
            s[i] = s[i + half] = static_cast<float>(std::sin(static_cast<double>(angle)));
        }
    }
    return t;
}

void applyRope(const float* in, const float* cosRow, const float* sinRow, int64_t d, float* out) {
    const int64_t half = d / 2;
    for (int64_t i = 0; i < half; ++i) {
        out[i] = in[i] * cosRow[i] + (-in[i + half]) * sinRow[i];
        out[i + half] = in[i + half] * cosRow[i + half] + in[i] * sinRow[i + half];
    }
}

HeadTensor splitHeads(const MatrixRM& x, int64_t col0, int64_t heads, int64_t d, const RopeTable* rope) {
    const int64_t n = x.rows();
    HeadTensor t(heads, n, d);
    for (int64_t h = 0; h < heads; ++h) {
        float* dst = t.data.data() + h * n * d;
        for (int64_t r = 0; r < n; ++r) {
            const float* src = x.data() + r * x.cols() + col0 + h * d;
            if (rope) applyRope(src, rope->cosRow(r), rope->sinRow(r), d, dst + r * d);
            else std::copy(src, src + d, dst + r * d);
        }
    }
    return t;
}

void mergeHeads(const HeadTensor& heads, MatrixRM& y) {
    const int64_t n = heads.n, d = heads.d;
    y.resize(n, heads.heads * d);
    for (int64_t h = 0; h < heads.heads; ++h) {
        const float* src = heads.data.data() + h * n * d;
        for (int64_t r = 0; r < n; ++r) std::copy(src + r * d, src + (r + 1) * d, y.data() + r * y.cols() + h * d);
    }
}

}  // namespace sparsescope
