#pragma once
// A decoder-only transformer loaded from a Hugging Face folder, with a forward
// pass that can (a) capture per layer and head what the attention saw and did,
// and (b) run with a sparse attention pattern inside chosen layers.
// One implementation per architecture family behind this interface:
//   gpt2.cpp  (GPT2LMHeadModel)
//   llama.cpp (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)
// Shape legend: T = tokens, V = vocab, E = residual width, L = layers,
//   H = query heads, KV = key/value heads, d = head dim.
#include "core/common/tensor.h"
#include "core/model/layers.h"
#include "core/model/model_config.h"
#include "core/pattern/pattern_spec.h"
#include "core/pattern/sparse_mask.h"

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sparsescope {

class Tokenizer;

// Thrown by forward() when the progress callback asked to stop. Not an Error:
// it is a normal outcome (a newer request replaced this one).
struct ForwardCancelled : std::exception {
    const char* what() const noexcept override { return "forward pass cancelled"; }
};

// Called after each layer with (layers done, layers in all); return false to stop.
using ForwardProgress = std::function<bool(int layerDone, int layers)>;

struct ForwardOptions {
    const PatternSpec* pattern = nullptr;  // sparse attention inside the chosen layers
    std::vector<int> sparseLayers;         // layers the pattern applies to; empty = all
    bool capture = false;                  // fill ForwardResult::layers
    bool captureProbs = true;              // with capture: also the [T, T] probabilities per head
    ForwardProgress progress;              // optional
    int threads = 0;                       // 0 = all hardware threads
};

// What one layer's attention saw and produced. Grouped-query attention stores
// K and V once per key/value head; kvHeadOf[h] says which one query head h
// reads (HF repeat_kv: h / (H / KV)); key(h) / value(h) resolve it.
struct LayerCapture {
    HeadTensor q;                 // [H, T, d] post-RoPE queries
    HeadTensor k;                 // [KV, T, d] post-RoPE keys
    HeadTensor v;                 // [KV, T, d]
    std::vector<int> kvHeadOf;    // [H]
    HeadTensor out;               // [H, T, d] attention output per head (before o_proj)
    // [H] x [T, T] probabilities (zeros above the diagonal). Dense layers: the
    // dense softmax; sparse layers (sparse == true): the softmax renormalised over
    // the kept keys, zeros where the mask dropped a pair. Empty without captureProbs.
    std::vector<MatrixRM> probs;
    bool sparse = false;
    // The model's own sliding window in this layer (Mistral), 0 = none.
    int64_t window = 0;

    ConstMapRM key(int64_t h) const { return k.head(kvHeadOf[static_cast<size_t>(h)]); }
    ConstMapRM value(int64_t h) const { return v.head(kvHeadOf[static_cast<size_t>(h)]); }
};

struct ForwardResult {
    MatrixRM logits;                   // [T, V]
    std::vector<LayerCapture> layers;  // [L] when capture, else empty
    // [L] masks applied in each layer: empty for dense layers; one mask per query
    // head, or a single mask shared by all heads (patterns that need no scores).
    // Empty when no pattern was given.
    std::vector<std::vector<SparseMask>> masks;
};

class Model {
public:
    virtual ~Model();

    // Reads dir/config.json, dir/tokenizer.json and the weights
    // (model.safetensors or the shards of model.safetensors.index.json).
    // Throws Error naming the file and field or tensor on any problem.
    static std::unique_ptr<Model> load(const std::string& dir);

    const ModelConfig& config() const { return config_; }
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    const std::string& directory() const { return dir_; }
    // The dtype the checkpoint stores ("F16", "BF16", "F32"); compute is float32.
    const std::string& storedDtype() const { return storedDtype_; }

    // Throws Error for empty ids, ids outside the vocabulary, more tokens than
    // max positions or an invalid pattern; ForwardCancelled when progress says stop.
    ForwardResult forward(const std::vector<int32_t>& ids, const ForwardOptions& opts = {}) const;

protected:
    Model(std::string dir, ModelConfig config);

    // Per-forward state handed to the architecture's layer function.
    struct Run {
        const ForwardOptions* opts = nullptr;
        int64_t n = 0;
        int threads = 1;
        std::vector<LayerCapture>* captures = nullptr;      // null without capture
        std::vector<std::vector<SparseMask>>* masks = nullptr;  // null without pattern
        RopeTable rope;  // filled by prepare() of RoPE models, positions 0..T-1
    };

    // Called once per forward before the first layer (per-length tables).
    virtual void prepare(Run& /*run*/) const {}
    // Token (and learned position) embeddings: x [T, E].
    virtual void embed(const std::vector<int32_t>& ids, MatrixRM& x) const = 0;
    // One decoder block in place on the residual stream x [T, E].
    virtual void layer(int l, MatrixRM& x, const Run& run) const = 0;
    // Final norm and LM head: logits [T, V].
    virtual void head(const MatrixRM& x, MatrixRM& logits, int threads) const = 0;

    // The attention core shared by every architecture: for each query head,
    // dense (or the model's own sliding window) or, when the pattern applies to
    // layer l, the mask built from that head's post-RoPE q/k and the sparse kernel.
    // q [H, T, d], k and v [KV, T, d] -> out [H, T, d]. With capture, q/k/v are
    // moved into the layer's capture.
    void attend(int l, HeadTensor&& q, HeadTensor&& k, HeadTensor&& v, HeadTensor& out,
                const Run& run) const;

    std::string dir_;
    ModelConfig config_;
    std::string storedDtype_ = "F32";

private:
    std::unique_ptr<Tokenizer> tokenizer_;
};

// Architecture factories (gpt2.cpp, llama.cpp): read every weight, checking its
// shape against the config. Use Model::load, which also reads the tokenizer.
std::unique_ptr<Model> loadGpt2(const std::string& dir, const ModelConfig& config);
std::unique_ptr<Model> loadLlama(const std::string& dir, const ModelConfig& config);

}  // namespace sparsescope
