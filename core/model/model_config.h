#pragma once
// The sizes and options of a Hugging Face decoder checkpoint, read from its
// config.json. One struct covers both families the forward pass implements:
//   Gpt2  : GPT2LMHeadModel (learned positions, LayerNorm, GELU MLP, Conv1D [in,out])
//   Llama : LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM
//           (RoPE, RMSNorm, SwiGLU MLP, grouped-query attention)
// Anything the forward pass does not implement is refused here with an Error
// naming config.json and the field, so a model never runs with silently wrong math.
#include <cstdint>
#include <string>
#include <vector>

namespace sparsescope {

enum class ModelFamily { Gpt2, Llama };

// rope_scaling of config.json. "default" = plain RoPE; "linear" divides every
// frequency by factor; "llama3" is Llama 3.1's frequency-dependent scaling.
struct RopeScaling {
    std::string type = "default";
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int64_t originalMaxPositions = 8192;
};

struct ModelConfig {
    std::string architecture;  // e.g. "LlamaForCausalLM" (architectures[0] or from model_type)
    std::string modelType;     // "gpt2", "llama", "mistral", "qwen2"
    ModelFamily family = ModelFamily::Llama;

    int64_t vocabSize = 0;
    int64_t hidden = 0;        // E: residual width (n_embd / hidden_size)
    int64_t intermediate = 0;  // MLP width (n_inner or 4E / intermediate_size)
    int64_t layers = 0;        // L
    int64_t heads = 0;         // H: query heads
    int64_t kvHeads = 0;       // KV: key/value heads (H for MHA, 1 for MQA)
    int64_t headDim = 0;       // d
    int64_t maxPositions = 0;  // n_positions / max_position_embeddings
    double normEps = 1e-5;     // layer_norm_epsilon / rms_norm_eps
    std::string activation;    // "gelu_new", "gelu_pytorch_tanh", "gelu" (GPT-2) or "silu"
    bool tieWordEmbeddings = false;

    // Llama family only.
    double ropeTheta = 10000.0;
    RopeScaling ropeScaling;
    bool qkvBias = false;  // Qwen2 always; Llama when attention_bias
    bool oBias = false;    // Llama when attention_bias
    bool mlpBias = false;  // Llama mlp_bias
    // Per layer: keys kept by the model's own sliding window (0 = full causal).
    // Mistral's sliding_window; Qwen2's when use_sliding_window (layers >= max_window_layers).
    std::vector<int64_t> slidingWindow;

    // GPT-2 only: scale_attn_weights / scale_attn_by_inverse_layer_idx.
    bool scaleAttnWeights = true;
    bool scaleAttnByInverseLayerIdx = false;

    // softmax scale of layer l: 1/sqrt(d), with GPT-2's optional variations.
    float attentionScale(int64_t layer) const;
    int64_t queriesPerKvHead() const { return kvHeads > 0 ? heads / kvHeads : 0; }
};

// Reads and validates `path` (a config.json). Throws Error(path, field, problem).
ModelConfig parseModelConfig(const std::string& path);

}  // namespace sparsescope
