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

void addFoundationPresets(std::vector<PresetInfo>& p) {
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
    p.push_back({"bigbird", "BigBird (block window + global + random blocks)",
                 "Blocks of B = 64 keys. Each query block sees a window of 3 key blocks (causal: its "
                 "own and the 2 before), the first 2 blocks as global tokens (G = 128), and 3 random "
                 "key blocks drawn per query block (seed 0) from the blocks the others do not cover.",
                 "Zaheer et al. 2020, Big Bird: Transformers for Longer Sequences (ITC: b = 64, w = 3, "
                 "g = 2, r = 3)",
                 make("bigbird", [](PatternSpec& s) {
                     s.blockSize = 64; s.blockWindow = 3; s.global = 128; s.randomBlocks = 3;
                 })});
    p.push_back({"strided", "Sparse Transformer (strided)",
                 "A window of l = 128 recent tokens plus every 128th token back (stride S = l).",
                 "Child et al. 2019, Generating Long Sequences with Sparse Transformers",
                 make("strided", [](PatternSpec& s) { s.window = 128; s.stride = 128; })});
    p.push_back({"fixed", "Sparse Transformer (fixed)",
                 "Blocks of l = 128 tokens: each token sees its own block and the last c = 8 tokens "
                 "('summary' cells) of every block: floor(j/l) = floor(i/l) or j mod l >= l - c.",
                 "Child et al. 2019, Generating Long Sequences with Sparse Transformers (c in "
                 "{8, 16, 32} for l in {128, 256})",
                 make("fixed", [](PatternSpec& s) { s.fixedBlock = 128; s.fixedSummary = 8; })});
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
}

void addMethodPresets(std::vector<PresetInfo>& p) {
    p.push_back({"nsa", "NSA (compressed + selected + window)",
                 "Three branches per query, each its own colour: compressed blocks (l = 32, stride "
                 "d = 16; keys and values mean-pooled, since the model has no trained compressor), "
                 "n = 16 selected blocks of l' = 64 keys chosen by the compressed attention scores "
                 "summed over the heads of the GQA group (the first block and the 2 local blocks "
                 "always among them), and a sliding window of w = 512. The branches are combined with "
                 "equal gates: the model has no trained gates, so the mix is not the paper's.",
                 "Yuan et al. 2025, Native Sparse Attention: Hardware-Aligned and Natively Trainable "
                 "Sparse Attention (Section 4.1 parameters)",
                 make("nsa", [](PatternSpec& s) { s.nsa = true; })});
    p.push_back({"dsa", "DSA (lightning indexer top-k)",
                 "Each query keeps the K = 2048 keys with the largest indexer score "
                 "I = sum_h w_h ReLU(q~_h . k~). The model has no trained indexer: it is built from "
                 "the GQA group's own heads (w_h = 1/heads, q and k projected on the d_I = 64 leading "
                 "principal directions of the keys; d_I >= head dim: no projection). The readout "
                 "reports how many of the oracle's top-K keys it finds (indexer overlap). At 2048 "
                 "tokens or fewer K = 2048 keeps everything: lower K to see the gap.",
                 "DeepSeek-AI 2025, DeepSeek-V3.2-Exp: Boosting Long-Context Efficiency with "
                 "DeepSeek Sparse Attention (top-k 2048)",
                 make("dsa", [](PatternSpec& s) { s.indexerTopk = 2048; s.indexerDim = 64; })});
    p.push_back({"quest", "Quest (query-aware pages)",
                 "Keys in pages of 16; each page scored by sum_d max(q_d max_d, q_d min_d) from its "
                 "keys' element-wise min and max; each query keeps the best pages within a budget of "
                 "1024 tokens, its own page always among them. A decoding method: row i is what the "
                 "decoding step at i reads (the paper keeps the first 2 layers dense).",
                 "Tang et al. 2024, Quest: Query-Aware Sparsity for Efficient Long-Context LLM "
                 "Inference (page 16; budgets 256-4096 evaluated)",
                 make("quest", [](PatternSpec& s) { s.questBudget = 1024; s.questPage = 16; })});
    p.push_back({"a_shape", "MInference A-shape (sinks + local)",
                 "The A-shape ('Λ') head pattern: the first 128 tokens plus a local window of 1024. "
                 "MInference picks the counts per head offline by its kernel-aware search; these "
                 "are this tool's defaults, adjust them.",
                 "Jiang et al. 2024, MInference 1.0: Accelerating Pre-filling for Long-Context LLMs "
                 "via Dynamic Sparse Attention",
                 make("a_shape", [](PatternSpec& s) { s.global = 128; s.window = 1024; })});
    p.push_back({"vertical_slash", "MInference vertical-slash",
                 "The attention of the last 64 queries picks 1000 vertical lines (key columns) and "
                 "6096 slash lines (diagonals) by their summed mass; every query keeps those. Like "
                 "MInference's kernel it also keeps the first 30 columns and the last 100 diagonals "
                 "(global 30, window 100). 1000/6096 is the most common per-head setting in "
                 "MInference's searched configurations (others: 30/800, 100/800, 500/700, "
                 "3500/100); below ~7k tokens it keeps every key, so lower the counts to see it.",
                 "Jiang et al. 2024, MInference 1.0 (last_q = 64; configs/*_best_pattern.json)",
                 make("vertical_slash", [](PatternSpec& s) {
                     s.verticalLines = 1000; s.slashLines = 6096; s.lastQueries = 64;
                     s.global = 30; s.window = 100;
                 })});
    p.push_back({"h2o", "H2O (heavy hitters + recent)",
                 "Decoding with a KV cache of the 128 most recent tokens plus 128 heavy hitters: "
                 "each step evicts the cached key with the least accumulated attention (the "
                 "attention it received from the decoding steps that held it). Row i is what the "
                 "decoding step at i attends. The paper's default budget is 20 % of the sequence, "
                 "half heavy, half recent; this preset fixes 128 + 128.",
                 "Zhang et al. 2023, H2O: Heavy-Hitter Oracle for Efficient Generative Inference of "
                 "Large Language Models",
                 make("h2o", [](PatternSpec& s) { s.heavyHitters = 128; s.window = 128; })});
    p.push_back({"top_p", "Top-p coverage (adaptive)",
                 "Each query keeps the fewest keys, highest score first, whose dense attention mass "
                 "reaches p = 0.9, so the density changes per head and per row (see the row-density "
                 "spread). An oracle: it needs every score of the row.",
                 "Lin et al. 2025, Twilight: Adaptive Attention Sparsity with Hierarchical Top-p "
                 "Pruning; Lai et al. 2025, FlexPrefill (cumulative-attention threshold gamma)",
                 make("top_p", [](PatternSpec& s) { s.topP = 0.9; })});
}

std::vector<PresetInfo> makePresets() {
    std::vector<PresetInfo> p;
    addFoundationPresets(p);
    addMethodPresets(p);
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
