#include "core/pattern/presets.h"

#include "core/common/error.h"

namespace sparsescope {

namespace {

PatternSpec make(const std::string& name, auto&& setup) {
    PatternSpec s;
    s.preset = name;
    setup(s);
    return s;
}

std::vector<PresetInfo> makePresets() {
    std::vector<PresetInfo> p;
    p.push_back({"dense", "Dense", "Every causal pair: the reference every pattern is compared with.",
                 "Vaswani et al. 2017, Attention Is All You Need",
                 make("dense", [](PatternSpec& s) { s.dense = true; })});
    p.push_back({"window", "Sliding window",
                 "Each token sees its W = 128 most recent tokens, itself included.",
                 "Beltagy et al. 2020 (Longformer) local attention; Mistral 7B (Jiang et al. 2023)",
                 make("window", [](PatternSpec& s) { s.window = 128; })});
    p.push_back({"streamingllm", "StreamingLLM (sinks + window)",
                 "4 attention-sink tokens at the start plus the W = 252 most recent tokens "
                 "(a 256-token cache).",
                 "Xiao et al. 2023, Efficient Streaming Language Models with Attention Sinks",
                 make("streamingllm", [](PatternSpec& s) { s.global = 4; s.window = 252; })});
    p.push_back({"longformer", "Longformer (window + global)",
                 "A causal window of W = 256 plus G = 2 global tokens that every token sees.",
                 "Beltagy et al. 2020, Longformer: The Long-Document Transformer",
                 make("longformer", [](PatternSpec& s) { s.window = 256; s.global = 2; })});
    p.push_back({"bigbird", "BigBird (window + global + random)",
                 "Window of 3 blocks (W = 192), 2 global blocks (G = 128) and R = 192 random keys "
                 "per row (3 blocks of 64), seed 0.",
                 "Zaheer et al. 2020, Big Bird: Transformers for Longer Sequences",
                 make("bigbird", [](PatternSpec& s) {
                     s.window = 192; s.global = 128; s.random = 192; s.blockSize = 64;
                 })});
    p.push_back({"strided", "Sparse Transformer (strided)",
                 "A window of l = 128 recent tokens plus every 128th token back (stride S = l).",
                 "Child et al. 2019, Generating Long Sequences with Sparse Transformers",
                 make("strided", [](PatternSpec& s) { s.window = 128; s.stride = 128; })});
    p.push_back({"topk", "Top-k (oracle)",
                 "Each query keeps the K = 64 keys with the highest dense score q.k. An oracle: "
                 "choosing needs every score, so it pays for the dense q.k pass.",
                 "Gupta et al. 2021, Memory-efficient Transformers via Top-k Attention",
                 make("topk", [](PatternSpec& s) { s.topk = 64; })});
    p.push_back({"block_topk", "Block top-k (oracle)",
                 "Keys in blocks of B = 64; each query keeps its K = 4 best blocks (block score = "
                 "max q.k in the block) and its own block.",
                 "Lu et al. 2025, MoBA: Mixture of Block Attention; Yuan et al. 2025 (NSA) selection",
                 make("block_topk", [](PatternSpec& s) { s.blockTopk = 4; s.blockSize = 64; })});
    return p;
}

}  // namespace

const std::vector<PresetInfo>& builtinPresets() {
    static const std::vector<PresetInfo> presets = makePresets();
    return presets;
}

PatternSpec presetSpec(const std::string& name) {
    std::string known;
    for (const auto& p : builtinPresets()) {
        if (p.name == name) return p.spec;
        known += (known.empty() ? "" : ", ") + p.name;
    }
    throw Error("<input>", "preset", "unknown preset '" + name + "'; known presets: " + known);
}

}  // namespace sparsescope
