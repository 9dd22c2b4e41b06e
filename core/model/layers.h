#pragma once
// The building blocks of the decoder forward passes (gpt2.cpp, llama.cpp), one
// function per operation, float32 in and out, matching Hugging Face's eager
// PyTorch math. Shape legend:
//   n = tokens, E = residual width, F = linear output width,
//   d = head dim, H = query heads, KV = key/value heads.
// Activations are row-major [n, E] (one token per row).
#include "core/common/tensor.h"

#include <cstdint>
#include <vector>

namespace sparsescope {

// A dense projection in Hugging Face nn.Linear layout: weight [F, E], bias [F] or empty.
struct Linear {
    MatrixRM weight;
    Eigen::VectorXf bias;  // size 0 = no bias
    int64_t outFeatures() const { return weight.rows(); }
    int64_t inFeatures() const { return weight.cols(); }
};

// y = x W^T + b.  x [n, E] -> y [n, F]. Rows are split into blocks, each one
// Eigen GEMM, run on `threads` threads (Eigen itself is built single-threaded).
void linear(const MatrixRM& x, const Linear& layer, MatrixRM& y, int threads);
// The same with a bare weight [F, E] and an optional bias (size 0 = none),
// e.g. an LM head tied to the token embedding.
void linear(const MatrixRM& x, const MatrixRM& weight, const Eigen::VectorXf& bias, MatrixRM& y,
            int threads);

// LayerNorm over each row: y = (x - mean) / sqrt(var + eps) * w + b, var biased (1/E).
void layerNorm(const MatrixRM& x, const Eigen::VectorXf& w, const Eigen::VectorXf& b, float eps,
               MatrixRM& y);

// RMSNorm over each row (Llama): y = w * x / sqrt(mean(x^2) + eps).
void rmsNorm(const MatrixRM& x, const Eigen::VectorXf& w, float eps, MatrixRM& y);

// GELU, tanh approximation exactly as HF NewGELUActivation ("gelu_new"):
//   0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
float geluNew(float x);
// GELU with the exact erf: 0.5 x (1 + erf(x / sqrt 2))   (HF "gelu").
float geluErf(float x);
// SiLU / swish: x * sigmoid(x) = x / (1 + e^-x).
float silu(float x);

// In place over a whole matrix.
void applyGeluNew(MatrixRM& x);
void applyGeluErf(MatrixRM& x);
void applyRelu(MatrixRM& x);
// SwiGLU gate of the Llama MLP: gu is [n, 2I] holding gate | up side by side;
// out [n, I] = silu(gate) * up.
void swiglu(const MatrixRM& gu, MatrixRM& out);

// Rotary position embedding tables, HF layout: for position p and i < d/2,
//   angle(p, i) = p * invFreq[i]   (computed in float32 as HF does)
//   cos[p, i] = cos[p, i + d/2] = cos(angle), likewise sin.
struct RopeTable {
    int64_t n = 0;
    int64_t d = 0;
    std::vector<float> cos;  // [n, d]
    std::vector<float> sin;  // [n, d]
    const float* cosRow(int64_t p) const { return cos.data() + p * d; }
    const float* sinRow(int64_t p) const { return sin.data() + p * d; }
};

// invFreq[i] = 1 / theta^(2i/d), i < d/2 (HF _compute_default_rope_parameters, float32).
std::vector<float> ropeInverseFrequencies(int64_t d, double theta);
RopeTable makeRopeTable(const std::vector<float>& invFreq, int64_t n);

// One row of length d, HF apply_rotary_pos_emb with rotate_half:
//   rotate_half(x) = [-x[d/2:], x[:d/2]]
//   x' = x * cos + rotate_half(x) * sin
//   i.e. x'[i] = x[i] cos - x[i+d/2] sin,  x'[i+d/2] = x[i+d/2] cos + x[i] sin  (i < d/2)
// in and out may not alias.
void applyRope(const float* in, const float* cosRow, const float* sinRow, int64_t d, float* out);

// Columns [col0, col0 + heads*d) of a fused projection x [n, F] as [heads, n, d]
// (head h = columns col0 + h*d ..), with RoPE applied per row when rope is given.
HeadTensor splitHeads(const MatrixRM& x, int64_t col0, int64_t heads, int64_t d,
                      const RopeTable* rope = nullptr);
// [H, n, d] -> y [n, H*d] (the inverse of splitHeads, before the output projection).
void mergeHeads(const HeadTensor& heads, MatrixRM& y);

}  // namespace sparsescope
