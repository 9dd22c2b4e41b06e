// Llama-family forward pass: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM.
// Shape legend: T = tokens, V = vocab, E = hidden_size, I = intermediate_size,
//   H = query heads, KV = key/value heads (GQA: H/KV query heads share one), d = head dim.
//   x = embed_tokens[ids]
//   per block:  x += o_proj(attn(rope(q), rope(k), v)),  q|k|v = input_layernorm(x) W_qkv^T (+ b)
//               x += down(silu(gate(h)) * up(h)),        h = post_attention_layernorm(x)
//   logits = norm(x) W_lm^T  (W_lm = embed_tokens when tied)
// The family members differ only in biases (Qwen2: q/k/v; Llama: attention_bias,
// mlp_bias) and Mistral's / Qwen2's sliding window, all read from config.json.
#include "core/model/layers.h"
#include "core/model/model.h"
#include "core/model/weight_reader.h"

#include <cmath>
#include <numbers>

namespace sparsescope {
namespace {

struct LlamaBlock {
    Eigen::VectorXf inputNorm;  // [E]
    Linear qkv;                 // [(H + 2 KV) d, E]: q | k | v fused into one GEMM
    Linear o;                   // [E, H d]
    Eigen::VectorXf postNorm;   // [E]
    Linear gateUp;              // [2I, E]: gate | up fused
    Linear down;                // [E, I]
};

// RoPE frequencies with the config's scaling, float32 as in HF's rope init functions.
std::vector<float> scaledInverseFrequencies(const ModelConfig& c) {
    std::vector<float> inv = ropeInverseFrequencies(c.headDim, c.ropeTheta);
    const RopeScaling& s = c.ropeScaling;
    const float factor = static_cast<float>(s.factor);
    if (s.type == "linear") {
        for (float& f : inv) f = f / factor;  // positions / factor, i.e. frequencies / factor
    } else if (s.type == "llama3") {
        // _compute_llama3_parameters: long wavelengths are divided by factor, short ones
        // kept, and the band between is interpolated smoothly.
        const float oldContext = static_cast<float>(s.originalMaxPositions);
        const float lowF = static_cast<float>(s.lowFreqFactor), highF = static_cast<float>(s.highFreqFactor);
        const float lowWavelen = oldContext / lowF, highWavelen = oldContext / highF;
        for (float& f : inv) {
            const float wavelen = static_cast<float>(2.0 * std::numbers::pi) / f;
            const float scaled = wavelen > lowWavelen ? f / factor : f;
            const bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            if (medium) {
                const float smooth = (oldContext / wavelen - lowF) / (highF - lowF);
                f = (1.0f - smooth) * scaled / factor + smooth * scaled;
            } else {
                f = scaled;
            }
        }
    }
    return inv;
}

class LlamaModel final : public Model {
public:
    LlamaModel(const std::string& dir, const ModelConfig& c) : Model(dir, c), invFreq_(scaledInverseFrequencies(c)) {
        const WeightReader w(dir);
        storedDtype_ = w.storedDtype();
        const int64_t E = c.hidden, I = c.intermediate, H = c.heads, KV = c.kvHeads, d = c.headDim;
        embed_ = w.matrix("model.embed_tokens.weight", c.vocabSize, E);
        blocks_.resize(static_cast<size_t>(c.layers));
        for (int64_t l = 0; l < c.layers; ++l) {
            const std::string b = "model.layers." + std::to_string(l) + ".";
            LlamaBlock& k = blocks_[static_cast<size_t>(l)];
            k.inputNorm = w.vector(b + "input_layernorm.weight", E);
            const Linear q = w.linear(b + "self_attn.q_proj", H * d, E, c.qkvBias);
            const Linear kp = w.linear(b + "self_attn.k_proj", KV * d, E, c.qkvBias);
            const Linear v = w.linear(b + "self_attn.v_proj", KV * d, E, c.qkvBias);
            k.qkv = stackLinears({&q, &kp, &v});
            k.o = w.linear(b + "self_attn.o_proj", E, H * d, c.oBias);
            k.postNorm = w.vector(b + "post_attention_layernorm.weight", E);
            const Linear gate = w.linear(b + "mlp.gate_proj", I, E, c.mlpBias);
            const Linear up = w.linear(b + "mlp.up_proj", I, E, c.mlpBias);
            k.gateUp = stackLinears({&gate, &up});
            k.down = w.linear(b + "mlp.down_proj", E, I, c.mlpBias);
        }
        finalNorm_ = w.vector("model.norm.weight", E);
        if (!c.tieWordEmbeddings) lmHead_ = w.matrix("lm_head.weight", c.vocabSize, E);
    }

protected:
    void embed(const std::vector<int32_t>& ids, MatrixRM& x) const override {
        const int64_t n = static_cast<int64_t>(ids.size());
        x.resize(n, config_.hidden);
        for (int64_t t = 0; t < n; ++t) x.row(t) = embed_.row(ids[static_cast<size_t>(t)]);
    }

    void prepare(Run& run) const override { run.rope = makeRopeTable(invFreq_, run.n); }

    void layer(int l, MatrixRM& x, const Run& run) const override {
        const LlamaBlock& b = blocks_[static_cast<size_t>(l)];
        const int64_t H = config_.heads, KV = config_.kvHeads, d = config_.headDim;
        const float eps = static_cast<float>(config_.normEps);
        MatrixRM h, fused, merged, proj;

        // Attention: q, k get RoPE (rotate_half layout) as they are split into heads.
        rmsNorm(x, b.inputNorm, eps, h);
        linear(h, b.qkv, fused, run.threads);
        HeadTensor out;
        attend(l, splitHeads(fused, 0, H, d, &run.rope), splitHeads(fused, H * d, KV, d, &run.rope),
               splitHeads(fused, (H + KV) * d, KV, d), out, run);
        mergeHeads(out, merged);
        linear(merged, b.o, proj, run.threads);
        x += proj;

        // SwiGLU MLP: x += down(silu(gate(h)) * up(h)).
        rmsNorm(x, b.postNorm, eps, h);
        linear(h, b.gateUp, fused, run.threads);
        swiglu(fused, merged);
        linear(merged, b.down, proj, run.threads);
        x += proj;
    }

    void head(const MatrixRM& x, MatrixRM& logits, int threads) const override {
        MatrixRM h;
        rmsNorm(x, finalNorm_, static_cast<float>(config_.normEps), h);
        linear(h, config_.tieWordEmbeddings ? embed_ : lmHead_, Eigen::VectorXf(), logits, threads);
    }

private:
    std::vector<float> invFreq_;  // [d/2]
    MatrixRM embed_;              // [V, E]
    MatrixRM lmHead_;             // [V, E] when untied
    Eigen::VectorXf finalNorm_;   // [E]
    std::vector<LlamaBlock> blocks_;
};

}  // namespace

std::unique_ptr<Model> loadLlama(const std::string& dir, const ModelConfig& config) {
    return std::make_unique<LlamaModel>(dir, config);
}

}  // namespace sparsescope
