// GPT-2 (GPT2LMHeadModel) forward pass.
// Shape legend: T = tokens, V = vocab, P = positions, E = n_embd, F = n_inner,
//   H = heads, d = E / H.
//   x = wte[ids] + wpe[0..T)
//   per block:  x += c_proj(attn(ln_1(x)));  x += mlp_proj(act(c_fc(ln_2(x))))
//   logits = ln_f(x) wte^T  (or an untied lm_head)
// Conv1D stores weights [in, out]; they are transposed once at load into the
// nn.Linear layout [out, in] that layers.h uses.
#include "core/model/layers.h"
#include "core/model/model.h"
#include "core/model/weight_reader.h"

namespace sparsescope {
namespace {

struct Gpt2Block {
    Eigen::VectorXf ln1W, ln1B;  // [E]
    Linear cAttn;                // [3E, E]: q | k | v
    Linear cProj;                // [E, E]
    Eigen::VectorXf ln2W, ln2B;  // [E]
    Linear cFc;                  // [F, E]
    Linear mlpProj;              // [E, F]
};

class Gpt2Model final : public Model {
public:
    Gpt2Model(const std::string& dir, const ModelConfig& c) : Model(dir, c) {
        const WeightReader w(dir);
        storedDtype_ = w.storedDtype();
        // HF checkpoints name tensors "transformer.h.0..."; the original OpenAI
        // conversion has no "transformer." prefix.
        const std::string p = w.has("transformer.wte.weight") || !w.has("wte.weight") ? "transformer." : "";
        const int64_t E = c.hidden, F = c.intermediate;
        wte_ = w.matrix(p + "wte.weight", c.vocabSize, E);
        wpe_ = w.matrix(p + "wpe.weight", c.maxPositions, E);
        blocks_.resize(static_cast<size_t>(c.layers));
        for (int64_t l = 0; l < c.layers; ++l) {
            const std::string b = p + "h." + std::to_string(l) + ".";
            Gpt2Block& k = blocks_[static_cast<size_t>(l)];
            k.ln1W = w.vector(b + "ln_1.weight", E);
            k.ln1B = w.vector(b + "ln_1.bias", E);
            k.cAttn = conv1d(w, b + "attn.c_attn", E, 3 * E);
            k.cProj = conv1d(w, b + "attn.c_proj", E, E);
            k.ln2W = w.vector(b + "ln_2.weight", E);
            k.ln2B = w.vector(b + "ln_2.bias", E);
            k.cFc = conv1d(w, b + "mlp.c_fc", E, F);
            k.mlpProj = conv1d(w, b + "mlp.c_proj", F, E);
        }
        lnFW_ = w.vector(p + "ln_f.weight", E);
        lnFB_ = w.vector(p + "ln_f.bias", E);
        if (!c.tieWordEmbeddings) lmHead_ = w.matrix("lm_head.weight", c.vocabSize, E);
    }

protected:
    // x[t] = wte[ids[t]] + wpe[t]
    void embed(const std::vector<int32_t>& ids, MatrixRM& x) const override {
        const int64_t n = static_cast<int64_t>(ids.size());
        x.resize(n, config_.hidden);
        for (int64_t t = 0; t < n; ++t) x.row(t) = wte_.row(ids[static_cast<size_t>(t)]) + wpe_.row(t);
    }

    void layer(int l, MatrixRM& x, const Run& run) const override {
        const Gpt2Block& b = blocks_[static_cast<size_t>(l)];
        const int64_t E = config_.hidden, H = config_.heads, d = config_.headDim;
        const float eps = static_cast<float>(config_.normEps);
        MatrixRM h, qkv, merged, proj;

        // Attention: qkv = ln_1(x) Wattn + b; split into heads; x += c_proj(merge(attn)).
        layerNorm(x, b.ln1W, b.ln1B, eps, h);
        linear(h, b.cAttn, qkv, run.threads);
        HeadTensor out;
        attend(l, splitHeads(qkv, 0, H, d), splitHeads(qkv, E, H, d), splitHeads(qkv, 2 * E, H, d), out,
               run);
        mergeHeads(out, merged);
        linear(merged, b.cProj, proj, run.threads);
        x += proj;

        // MLP: x += c_proj(act(c_fc(ln_2(x)))).
        layerNorm(x, b.ln2W, b.ln2B, eps, h);
        linear(h, b.cFc, qkv, run.threads);
        if (config_.activation == "gelu") applyGeluErf(qkv);
        else if (config_.activation == "relu") applyRelu(qkv);
        else applyGeluNew(qkv);  // gelu_new and gelu_pytorch_tanh are the same formula
        linear(qkv, b.mlpProj, proj, run.threads);
        x += proj;
    }

    // logits = ln_f(x) W_lm^T, W_lm = wte when tied.
    void head(const MatrixRM& x, MatrixRM& logits, int threads) const override {
        MatrixRM h;
        layerNorm(x, lnFW_, lnFB_, static_cast<float>(config_.normEps), h);
        linear(h, config_.tieWordEmbeddings ? wte_ : lmHead_, Eigen::VectorXf(), logits, threads);
    }

private:
    // Conv1D: weight stored [in, out], bias [out]; y = x W + b.
    static Linear conv1d(const WeightReader& w, const std::string& prefix, int64_t in, int64_t out) {
        Linear l;
        l.weight = w.matrixTransposed(prefix + ".weight", out, in);
        l.bias = w.vector(prefix + ".bias", out);
        return l;
    }

    MatrixRM wte_;      // [V, E]
    MatrixRM wpe_;      // [P, E]
    MatrixRM lmHead_;   // [V, E] when untied
    Eigen::VectorXf lnFW_, lnFB_;
    std::vector<Gpt2Block> blocks_;
};

}  // namespace

std::unique_ptr<Model> loadGpt2(const std::string& dir, const ModelConfig& config) {
    return std::make_unique<Gpt2Model>(dir, config);
}

}  // namespace sparsescope
