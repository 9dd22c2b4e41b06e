#include "core/model/model_config.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

namespace sparsescope {
namespace {

using nlohmann::json;

// Small typed accessors: a key that is absent or null takes the default; a
// present key of the wrong type is an error naming the field.
struct ConfigReader {
    const std::string& path;
    const json& j;

    bool present(const char* key) const { return j.contains(key) && !j.at(key).is_null(); }

    int64_t integer(const char* key) const {
        if (!present(key)) throw Error(path, key, "missing (an integer is required)");
        return integerOr(key, 0);
    }
    int64_t integerOr(const char* key, int64_t fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_number_integer()) throw Error(path, key, "expected an integer, got " + v.dump());
        return v.get<int64_t>();
    }
    double number(const char* key, double fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_number()) throw Error(path, key, "expected a number, got " + v.dump());
        return v.get<double>();
    }
    bool boolean(const char* key, bool fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_boolean()) throw Error(path, key, "expected true or false, got " + v.dump());
        return v.get<bool>();
    }
    std::string text(const char* key, const std::string& fallback) const {
        if (!present(key)) return fallback;
        const json& v = j.at(key);
        if (!v.is_string()) throw Error(path, key, "expected a string, got " + v.dump());
        return v.get<std::string>();
    }
};

void requirePositive(const std::string& path, const char* field, int64_t value) {
    if (value <= 0) throw Error(path, field, "must be positive, got " + std::to_string(value));
}

std::string architectureOf(const std::string& path, const json& j) {
    if (j.contains("architectures") && j["architectures"].is_array() && !j["architectures"].empty()) {
        const json& a = j["architectures"][0];
        if (!a.is_string()) throw Error(path, "architectures", "expected a list of names");
        return a.get<std::string>();
    }
    const std::string type = j.contains("model_type") && j["model_type"].is_string()
                                 ? j["model_type"].get<std::string>()
                                 : std::string();
    if (type == "gpt2") return "GPT2LMHeadModel";
    if (type == "llama") return "LlamaForCausalLM";
    if (type == "mistral") return "MistralForCausalLM";
    if (type == "qwen2") return "Qwen2ForCausalLM";
    if (type.empty()) throw Error(path, "architectures", "missing (neither architectures nor model_type is set)");
    throw Error(path, "model_type",
                "unsupported model type '" + type + "' (supported: gpt2, llama, mistral, qwen2)");
}

void parseGpt2(const ConfigReader& r, ModelConfig& c) {
    c.vocabSize = r.integer("vocab_size");
    c.hidden = r.integer("n_embd");
    c.layers = r.integer("n_layer");
    c.heads = r.integer("n_head");
    c.kvHeads = c.heads;
    c.maxPositions = r.integerOr("n_positions", r.integerOr("n_ctx", 1024));
    c.intermediate = r.integerOr("n_inner", 4 * c.hidden);
    c.normEps = r.number("layer_norm_epsilon", 1e-5);
    c.activation = r.text("activation_function", "gelu_new");
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", true);
    c.scaleAttnWeights = r.boolean("scale_attn_weights", true);
    c.scaleAttnByInverseLayerIdx = r.boolean("scale_attn_by_inverse_layer_idx", false);
    if (c.activation != "gelu_new" && c.activation != "gelu_pytorch_tanh" && c.activation != "gelu" &&
        c.activation != "relu")
        throw Error(r.path, "activation_function",
                    "unsupported activation '" + c.activation +
                        "' (supported: gelu_new, gelu_pytorch_tanh, gelu, relu)");
    requirePositive(r.path, "n_head", c.heads);
    if (c.hidden % c.heads != 0)
        throw Error(r.path, "n_embd", "must be a multiple of n_head (" + std::to_string(c.heads) + ")");
    c.headDim = c.hidden / c.heads;
}

void parseRope(const ConfigReader& r, ModelConfig& c) {
    // transformers >= 5 nests the RoPE settings in rope_parameters.
    const json* params = nullptr;
    if (r.present("rope_parameters") && r.j["rope_parameters"].is_object()) params = &r.j["rope_parameters"];
    else if (r.present("rope_scaling")) params = &r.j["rope_scaling"];
    c.ropeTheta = r.number("rope_theta", 10000.0);
    if (!params) return;
    if (!params->is_object()) throw Error(r.path, "rope_scaling", "expected an object or null");
    const std::string field = r.present("rope_parameters") ? "rope_parameters" : "rope_scaling";
    ConfigReader p{r.path, *params};
    if (p.present("rope_theta")) c.ropeTheta = p.number("rope_theta", c.ropeTheta);
    RopeScaling& s = c.ropeScaling;
    s.type = p.text("rope_type", p.text("type", "default"));
    if (s.type == "default") return;
    if (s.type != "linear" && s.type != "llama3")
        throw Error(r.path, field + ".rope_type",
                    "unsupported RoPE scaling '" + s.type + "' (supported: default, linear, llama3)");
    s.factor = p.number("factor", 0.0);
    if (!(s.factor > 0.0)) throw Error(r.path, field + ".factor", "must be a positive number");
    if (s.type == "llama3") {
        s.lowFreqFactor = p.number("low_freq_factor", 1.0);
        s.highFreqFactor = p.number("high_freq_factor", 4.0);
        s.originalMaxPositions = p.integerOr("original_max_position_embeddings", 8192);
        if (!(s.highFreqFactor > s.lowFreqFactor) || s.lowFreqFactor <= 0.0 || s.originalMaxPositions <= 0)
            throw Error(r.path, field,
                        "llama3 scaling needs 0 < low_freq_factor < high_freq_factor and "
                        "original_max_position_embeddings > 0");
    }
}

void parseLlama(const ConfigReader& r, ModelConfig& c) {
    c.vocabSize = r.integer("vocab_size");
    c.hidden = r.integer("hidden_size");
    c.intermediate = r.integer("intermediate_size");
    c.layers = r.integer("num_hidden_layers");
    c.heads = r.integer("num_attention_heads");
    requirePositive(r.path, "num_attention_heads", c.heads);
    c.kvHeads = r.integerOr("num_key_value_heads", c.heads);
    c.headDim = r.integerOr("head_dim", c.hidden / c.heads);
    c.maxPositions = r.integerOr("max_position_embeddings", 2048);
    c.normEps = r.number("rms_norm_eps", 1e-6);
    c.activation = r.text("hidden_act", "silu");
    c.tieWordEmbeddings = r.boolean("tie_word_embeddings", false);
    parseRope(r, c);
    if (c.activation != "silu" && c.activation != "swish")
        throw Error(r.path, "hidden_act", "unsupported activation '" + c.activation + "' (supported: silu)");
    c.activation = "silu";
    if (r.number("partial_rotary_factor", 1.0) != 1.0)
        throw Error(r.path, "partial_rotary_factor", "only full rotary embeddings (1.0) are supported");
    requirePositive(r.path, "num_key_value_heads", c.kvHeads);
    if (c.heads % c.kvHeads != 0)
        throw Error(r.path, "num_key_value_heads",
                    "num_attention_heads (" + std::to_string(c.heads) + ") must be a multiple of " +
                        std::to_string(c.kvHeads));
    requirePositive(r.path, "head_dim", c.headDim);
    if (c.headDim % 2 != 0) throw Error(r.path, "head_dim", "must be even for rotary embeddings");

    if (c.modelType == "qwen2") {
        c.qkvBias = true;  // Qwen2Attention: q/k/v with bias, o_proj without
    } else if (c.modelType == "llama") {
        c.qkvBias = c.oBias = r.boolean("attention_bias", false);
        c.mlpBias = r.boolean("mlp_bias", false);
    }

    c.slidingWindow.assign(static_cast<size_t>(std::max<int64_t>(c.layers, 0)), 0);
    if (c.modelType == "mistral" && r.present("sliding_window")) {
        const int64_t w = r.integer("sliding_window");
        requirePositive(r.path, "sliding_window", w);
        for (auto& s : c.slidingWindow) s = w;
    } else if (c.modelType == "qwen2" && r.boolean("use_sliding_window", false)) {
        const int64_t w = r.integer("sliding_window");
        requirePositive(r.path, "sliding_window", w);
        const int64_t firstWindowed = r.integerOr("max_window_layers", c.layers);
        for (int64_t l = firstWindowed; l < c.layers; ++l) c.slidingWindow[static_cast<size_t>(l)] = w;
    }
}

}  // namespace

float ModelConfig::attentionScale(int64_t layer) const {
    double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    if (family == ModelFamily::Gpt2) {
        if (!scaleAttnWeights) scale = 1.0;
        if (scaleAttnByInverseLayerIdx) scale /= static_cast<double>(layer + 1);
    }
    return static_cast<float>(scale);
}

ModelConfig parseModelConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "", "cannot open the model's config.json");
    std::stringstream buffer;
    buffer << in.rdbuf();
    json j = json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw Error(path, "", "not valid JSON");
    if (!j.is_object()) throw Error(path, "", "expected a JSON object");

    ModelConfig c;
    c.architecture = architectureOf(path, j);
    const ConfigReader r{path, j};
    if (c.architecture == "GPT2LMHeadModel") {
        c.family = ModelFamily::Gpt2;
        c.modelType = "gpt2";
        parseGpt2(r, c);
    } else if (c.architecture == "LlamaForCausalLM" || c.architecture == "MistralForCausalLM" ||
               c.architecture == "Qwen2ForCausalLM") {
        c.family = ModelFamily::Llama;
        c.modelType = c.architecture == "LlamaForCausalLM"     ? "llama"
                      : c.architecture == "MistralForCausalLM" ? "mistral"
                                                                : "qwen2";
        parseLlama(r, c);
    } else {
        throw Error(path, "architectures",
                    "unsupported architecture '" + c.architecture +
                        "' (supported: GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM, "
                        "Qwen2ForCausalLM)");
    }
    requirePositive(path, "vocab_size", c.vocabSize);
    requirePositive(path, c.family == ModelFamily::Gpt2 ? "n_embd" : "hidden_size", c.hidden);
    requirePositive(path, c.family == ModelFamily::Gpt2 ? "n_inner" : "intermediate_size", c.intermediate);
    requirePositive(path, c.family == ModelFamily::Gpt2 ? "n_layer" : "num_hidden_layers", c.layers);
    requirePositive(path, c.family == ModelFamily::Gpt2 ? "n_positions" : "max_position_embeddings",
                    c.maxPositions);
    if (!(c.normEps > 0.0)) throw Error(path, "layer_norm_epsilon", "must be positive");
    if (!(c.ropeTheta > 0.0)) throw Error(path, "rope_theta", "must be positive");
    // Guard against absurd sizes before any allocation is attempted.
    const int64_t kLimit = int64_t(1) << 24;
    for (int64_t v : {c.vocabSize, c.hidden, c.intermediate, c.layers, c.heads, c.headDim})
        if (v > kLimit) throw Error(path, "", "a model size exceeds " + std::to_string(kLimit));
    return c;
}

}  // namespace sparsescope
