#pragma once
// Writes tiny random-weight Hugging Face model folders (config.json,
// model.safetensors, tokenizer.json) for the model tests, and keeps the weights
// so a test can run its own reference forward pass on them.
// Weights are k/256 with |k| <= 128 (norm weights 1 + k/128, |k| <= 64): exactly
// representable in F32, F16 and BF16, so every storage dtype holds the same values.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace tinymodel {

struct Tensor {
    std::vector<int64_t> shape;
    std::vector<float> values;  // row-major
    float at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * shape[1] + c)]; }
    float at(int64_t i) const { return values[static_cast<size_t>(i)]; }
};

struct Spec {
    std::string arch = "llama";  // gpt2, llama, mistral, qwen2
    int64_t vocab = 300, hidden = 16, inter = 24, layers = 2, heads = 4, kvHeads = 2, positions = 64;
    bool tie = false;
    bool attentionBias = false;  // llama attention_bias
    int64_t slidingWindow = 0;   // mistral
    double ropeTheta = 10000.0;
    std::string dtype = "F32";   // F32, F16, BF16
    uint32_t seed = 1;
    int64_t headDim() const { return hidden / heads; }
};

class Writer {
public:
    explicit Writer(Spec spec) : spec_(std::move(spec)), rng_(spec_.seed) { makeWeights(); }

    const Spec& spec() const { return spec_; }
    const Tensor& operator[](const std::string& name) const { return tensors_.at(name); }
    bool has(const std::string& name) const { return tensors_.count(name) != 0; }
    std::map<std::string, Tensor>& tensors() { return tensors_; }

    nlohmann::json config() const {
        const Spec& s = spec_;
        nlohmann::json j;
        if (s.arch == "gpt2") {
            j = {{"architectures", {"GPT2LMHeadModel"}}, {"model_type", "gpt2"}, {"vocab_size", s.vocab},
                 {"n_embd", s.hidden}, {"n_layer", s.layers}, {"n_head", s.heads}, {"n_positions", s.positions},
                 {"n_inner", s.inter}, {"layer_norm_epsilon", 1e-5}, {"activation_function", "gelu_new"},
                 {"tie_word_embeddings", s.tie}};
        } else {
            const std::string arch = s.arch == "llama" ? "LlamaForCausalLM"
                                     : s.arch == "mistral" ? "MistralForCausalLM" : "Qwen2ForCausalLM";
            j = {{"architectures", {arch}}, {"model_type", s.arch}, {"vocab_size", s.vocab},
                 {"hidden_size", s.hidden}, {"intermediate_size", s.inter}, {"num_hidden_layers", s.layers},
                 {"num_attention_heads", s.heads}, {"num_key_value_heads", s.kvHeads},
                 {"max_position_embeddings", s.positions}, {"rms_norm_eps", 1e-6}, {"rope_theta", s.ropeTheta},
                 {"hidden_act", "silu"}, {"tie_word_embeddings", s.tie}, {"attention_bias", s.attentionBias},
                 {"sliding_window", s.slidingWindow > 0 ? nlohmann::json(s.slidingWindow) : nlohmann::json()}};
        }
        return j;
    }

    void write(const std::string& dir) const {
        std::ofstream(dir + "/config.json") << config().dump(2);
        std::ofstream(dir + "/tokenizer.json") << byteLevelTokenizer().dump();
        writeSafetensors(dir + "/model.safetensors", tensors_, spec_.dtype);
    }

    // A GPT-2 style byte-level BPE tokenizer with the 256 byte symbols and no merges.
    static nlohmann::json byteLevelTokenizer() {
        nlohmann::json vocab = nlohmann::json::object();
        const std::vector<int> map = bytesToUnicode();
        for (int b = 0; b < 256; ++b) vocab[utf8(map[static_cast<size_t>(b)])] = b;
        return {{"version", "1.0"},
                {"truncation", nullptr},
                {"padding", nullptr},
                {"added_tokens", nlohmann::json::array()},
                {"normalizer", nullptr},
                {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
                                   {"use_regex", true}}},
                {"post_processor", nullptr},
                {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true},
                             {"use_regex", true}}},
                {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                           {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                           {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
                           {"merges", nlohmann::json::array()}}}};
    }

    static void writeSafetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                                 const std::string& dtype) {
        const size_t item = dtype == "F32" ? 4 : 2;
        nlohmann::json header = {{"__metadata__", {{"format", "pt"}}}};
        std::vector<uint8_t> data;
        for (const auto& [name, t] : tensors) {
            const size_t begin = data.size();
            for (float v : t.values) {
                uint8_t bytes[4];
                if (dtype == "F32") std::memcpy(bytes, &v, 4);
                else {
                    const uint16_t h = dtype == "BF16" ? toBf16(v) : toF16(v);
                    std::memcpy(bytes, &h, 2);
                }
                data.insert(data.end(), bytes, bytes + item);
            }
            header[name] = {{"dtype", dtype}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
        }
        std::string h = header.dump();
        while (h.size() % 8 != 0) h += ' ';
        const uint64_t len = h.size();
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(&len), 8);
        out.write(h.data(), static_cast<std::streamsize>(h.size()));
        out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    }

private:
    // Exact for the k/256 values used here (no rounding needed).
    static uint16_t toBf16(float v) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        return static_cast<uint16_t>(bits >> 16);
    }
    static uint16_t toF16(float v) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
        if ((bits & 0x7fffffffu) == 0) return sign;
        const int exp = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;  // normal numbers only
        return static_cast<uint16_t>(sign | (exp << 10) | ((bits >> 13) & 0x3ff));
    }
    static std::vector<int> bytesToUnicode() {
        std::vector<int> map(256, -1);
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[static_cast<size_t>(b)] = printable ? b : 256 + extra++;
        }
        return map;
    }
    static std::string utf8(int cp) {
        std::string s;
        if (cp < 0x80) s += static_cast<char>(cp);
        else {
            s += static_cast<char>(0xC0 | (cp >> 6));
            s += static_cast<char>(0x80 | (cp & 0x3f));
        }
        return s;
    }

    // offset 0: k/256, |k| <= 128; offset 1 (norm weights): 1 + k/128, |k| <= 64.
    // Both have at most 8 significant bits, so BF16 and F16 hold them exactly.
    Tensor random(std::vector<int64_t> shape, float offset = 0.0f) {
        Tensor t;
        t.shape = std::move(shape);
        int64_t n = 1;
        for (int64_t d : t.shape) n *= d;
        const bool norm = offset != 0.0f;
        std::uniform_int_distribution<int> k(norm ? -64 : -128, norm ? 64 : 128);
        t.values.resize(static_cast<size_t>(n));
        for (float& v : t.values) v = offset + static_cast<float>(k(rng_)) / (norm ? 128.0f : 256.0f);
        return t;
    }

    void makeWeights() {
        const Spec& s = spec_;
        const int64_t E = s.hidden, I = s.inter, d = s.headDim();
        if (s.arch == "gpt2") {
            tensors_["transformer.wte.weight"] = random({s.vocab, E});
            tensors_["transformer.wpe.weight"] = random({s.positions, E});
            for (int64_t l = 0; l < s.layers; ++l) {
                const std::string b = "transformer.h." + std::to_string(l) + ".";
                tensors_[b + "ln_1.weight"] = random({E}, 1.0f);
                tensors_[b + "ln_1.bias"] = random({E});
                tensors_[b + "attn.c_attn.weight"] = random({E, 3 * E});  // Conv1D [in, out]
                tensors_[b + "attn.c_attn.bias"] = random({3 * E});
                tensors_[b + "attn.c_proj.weight"] = random({E, E});
                tensors_[b + "attn.c_proj.bias"] = random({E});
                tensors_[b + "ln_2.weight"] = random({E}, 1.0f);
                tensors_[b + "ln_2.bias"] = random({E});
                tensors_[b + "mlp.c_fc.weight"] = random({E, I});
                tensors_[b + "mlp.c_fc.bias"] = random({I});
                tensors_[b + "mlp.c_proj.weight"] = random({I, E});
                tensors_[b + "mlp.c_proj.bias"] = random({E});
            }
            tensors_["transformer.ln_f.weight"] = random({E}, 1.0f);
            tensors_["transformer.ln_f.bias"] = random({E});
        } else {
            const bool qkvBias = s.arch == "qwen2" || (s.arch == "llama" && s.attentionBias);
            const bool oBias = s.arch == "llama" && s.attentionBias;
            tensors_["model.embed_tokens.weight"] = random({s.vocab, E});
            for (int64_t l = 0; l < s.layers; ++l) {
                const std::string b = "model.layers." + std::to_string(l) + ".";
                tensors_[b + "input_layernorm.weight"] = random({E}, 1.0f);
                tensors_[b + "self_attn.q_proj.weight"] = random({s.heads * d, E});
                tensors_[b + "self_attn.k_proj.weight"] = random({s.kvHeads * d, E});
                tensors_[b + "self_attn.v_proj.weight"] = random({s.kvHeads * d, E});
                tensors_[b + "self_attn.o_proj.weight"] = random({E, s.heads * d});
                if (qkvBias) {
                    tensors_[b + "self_attn.q_proj.bias"] = random({s.heads * d});
                    tensors_[b + "self_attn.k_proj.bias"] = random({s.kvHeads * d});
                    tensors_[b + "self_attn.v_proj.bias"] = random({s.kvHeads * d});
                }
                if (oBias) tensors_[b + "self_attn.o_proj.bias"] = random({E});
                tensors_[b + "post_attention_layernorm.weight"] = random({E}, 1.0f);
                tensors_[b + "mlp.gate_proj.weight"] = random({I, E});
                tensors_[b + "mlp.up_proj.weight"] = random({I, E});
                tensors_[b + "mlp.down_proj.weight"] = random({E, I});
            }
            tensors_["model.norm.weight"] = random({E}, 1.0f);
        }
        if (!s.tie) tensors_["lm_head.weight"] = random({s.vocab, E});
    }

    Spec spec_;
    std::mt19937 rng_;
    std::map<std::string, Tensor> tensors_;
};

}  // namespace tinymodel
