// Model loading and the architecture-independent part of the forward pass:
// input checks, the layer loop with progress/cancel, and the attention core
// (dense reference, the model's own sliding window, or a sparse pattern).
#include "core/model/model.h"

#include "core/attention/attention_kernels.h"
#include "core/common/error.h"
#include "core/common/parallel.h"
#include "core/pattern/mask_builder.h"
#include "core/pattern/nsa_attention.h"
#include "core/tokenizer/tokenizer.h"

#include <algorithm>
#include <filesystem>

namespace sparsescope {
namespace {

namespace fs = std::filesystem;

// Drops the pairs of `mask` outside the model's own sliding window (i - W < j):
// a pattern can only remove attention, never give a layer keys it never sees.
void restrictToWindow(SparseMask& mask, int64_t window) {
    int64_t write = 0;
    std::vector<int64_t> rowPtr(static_cast<size_t>(mask.n + 1), 0);
    for (int64_t i = 0; i < mask.n; ++i) {
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e) {
            if (i - mask.cols[static_cast<size_t>(e)] >= window) continue;
            mask.cols[static_cast<size_t>(write)] = mask.cols[static_cast<size_t>(e)];
            mask.rules[static_cast<size_t>(write)] = mask.rules[static_cast<size_t>(e)];
            ++write;
        }
        rowPtr[static_cast<size_t>(i + 1)] = write;
    }
    mask.rowPtr = std::move(rowPtr);
    mask.cols.resize(static_cast<size_t>(write));
    mask.rules.resize(static_cast<size_t>(write));
}

void scatterRow(const SparseMask& mask, const std::vector<float>& p, MatrixRM& dense) {
    dense.setZero(mask.n, mask.n);
    for (int64_t i = 0; i < mask.n; ++i)
        for (int64_t e = mask.rowBegin(i); e < mask.rowEnd(i); ++e)
            dense(i, mask.cols[static_cast<size_t>(e)]) = p[static_cast<size_t>(e)];
}

}  // namespace

Model::Model(std::string dir, ModelConfig config) : dir_(std::move(dir)), config_(std::move(config)) {}

Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& dir) {
    const fs::path root(dir);
    if (!fs::is_directory(root)) throw Error(dir, "", "not a model folder (no such directory)");
    const fs::path configPath = root / "config.json";
    const fs::path tokenizerPath = root / "tokenizer.json";
    if (!fs::exists(configPath)) throw Error(configPath.string(), "", "missing: a model folder needs config.json");
    if (!fs::exists(tokenizerPath))
        throw Error(tokenizerPath.string(), "", "missing: a model folder needs tokenizer.json");
    if (!fs::exists(root / "model.safetensors") && !fs::exists(root / "model.safetensors.index.json"))
        throw Error((root / "model.safetensors").string(), "",
                    "missing: a model folder needs model.safetensors or model.safetensors.index.json");

    const ModelConfig config = parseModelConfig(configPath.string());
    auto tokenizer = std::make_unique<Tokenizer>(Tokenizer::fromFile(tokenizerPath.string()));
    std::unique_ptr<Model> model =
        config.family == ModelFamily::Gpt2 ? loadGpt2(dir, config) : loadLlama(dir, config);
    model->tokenizer_ = std::move(tokenizer);
    return model;
}

ForwardResult Model::forward(const std::vector<int32_t>& ids, const ForwardOptions& opts) const {
    const int64_t n = static_cast<int64_t>(ids.size());
    if (n == 0) throw Error("<input>", "ids", "no tokens to run (the text is empty)");
    if (n > config_.maxPositions)
        throw Error("<input>", "ids",
                    std::to_string(n) + " tokens exceed the model's context of " +
                        std::to_string(config_.maxPositions) +
                        " positions (config.json); truncate the text");
    for (int64_t t = 0; t < n; ++t) {
        const int32_t id = ids[static_cast<size_t>(t)];
        if (id < 0 || id >= config_.vocabSize)
            throw Error("<input>", "ids",
                        "token id " + std::to_string(id) + " at position " + std::to_string(t) +
                            " is outside the vocabulary [0, " + std::to_string(config_.vocabSize) + ")");
    }
    if (opts.pattern) validate(*opts.pattern);
    for (int l : opts.sparseLayers)
        if (l < 0 || l >= config_.layers)
            throw Error("<input>", "sparseLayers",
                        "layer " + std::to_string(l) + " does not exist (the model has " +
                            std::to_string(config_.layers) + ")");

    ForwardResult result;
    Run run;
    run.opts = &opts;
    run.n = n;
    run.threads = opts.threads > 0 ? opts.threads : defaultThreadCount();
    if (opts.capture) {
        result.layers.resize(static_cast<size_t>(config_.layers));
        run.captures = &result.layers;
    }
    if (opts.pattern) {
        result.masks.resize(static_cast<size_t>(config_.layers));
        run.masks = &result.masks;
    }
    prepare(run);

    MatrixRM x;  // [T, E] residual stream
    embed(ids, x);
    const int layers = static_cast<int>(config_.layers);
    for (int l = 0; l < layers; ++l) {
        layer(l, x, run);
        if (opts.progress && !opts.progress(l + 1, layers)) throw ForwardCancelled();
    }
    head(x, result.logits, run.threads);
    return result;
}

void Model::attend(int l, HeadTensor&& q, HeadTensor&& k, HeadTensor&& v, HeadTensor& out,
                   const Run& run) const {
    const ForwardOptions& opts = *run.opts;
    const int64_t H = q.heads, n = q.n, d = q.d, rep = H / k.heads;
    const float scale = config_.attentionScale(l);
    const int64_t window =
        static_cast<size_t>(l) < config_.slidingWindow.size() ? config_.slidingWindow[static_cast<size_t>(l)] : 0;
    const bool sparse = opts.pattern != nullptr &&
                        (opts.sparseLayers.empty() ||
                         std::find(opts.sparseLayers.begin(), opts.sparseLayers.end(), l) != opts.sparseLayers.end());
    LayerCapture* cap = run.captures ? &(*run.captures)[static_cast<size_t>(l)] : nullptr;
    const bool wantProbs = cap != nullptr && opts.captureProbs;

    // A decoder can only use causal patterns; the spec's bidirectional switch is
    // meant for analysing encoders, so the model always builds causal masks.
    PatternSpec spec;
    if (sparse) {
        spec = *opts.pattern;
        spec.causal = true;
    } else if (window > 0 && window < n) {
        spec.preset = "model sliding window";
        spec.window = window;  // the model's own attention: not a sparsification
    }
    const bool perHeadMasks = sparse && spec.needsScores();
    const bool masked = sparse || spec.window > 0;

    // Score-free masks are the same for every head: build once.
    std::vector<SparseMask> masks(perHeadMasks ? static_cast<size_t>(H) : (masked ? 1u : 0u));
    if (masked && !perHeadMasks) {
        masks[0] = buildMask(spec, n);
        if (sparse && window > 0) restrictToWindow(masks[0], window);
    }

    out = HeadTensor(H, n, d);
    if (wantProbs) cap->probs.assign(static_cast<size_t>(H), MatrixRM());
    parallelFor(
        0, H,
        [&](int64_t h) {
            const int64_t kv = h / rep;
            const ConstMapRM qh(q.data.data() + h * n * d, n, d);
            const ConstMapRM kh(k.data.data() + kv * n * d, n, d);
            const ConstMapRM vh(v.data.data() + kv * n * d, n, d);
            MapRM oh = out.head(h);
            MatrixRM* probs = wantProbs ? &cap->probs[static_cast<size_t>(h)] : nullptr;
            if (!masked) {
                if (probs) probs->resize(n, n);
                denseAttentionHead(qh, kh, vh, scale, /*causal=*/true, oh, probs);
                return;
            }
            SparseMask* mask = &masks[0];
            if (perHeadMasks) {
                // Data-dependent rules rank this head's own post-RoPE scores q.k * scale;
                // group selectors (NSA, DSA) also see the other query heads of its KV group.
                std::vector<const float*> group(static_cast<size_t>(rep));
                for (int64_t g = 0; g < rep; ++g) group[static_cast<size_t>(g)] = q.data.data() + (kv * rep + g) * n * d;
                ScoreInputs scores{qh.data(), kh.data(), d, scale};
                scores.groupQ = group.data();
                scores.groupSize = rep;
                mask = &masks[static_cast<size_t>(h)];
                *mask = buildMask(spec, n, &scores);
                if (window > 0) restrictToWindow(*mask, window);
            }
            if (sparse && spec.nsa) {
                // NSA: its three branches averaged (no trained gates); core/pattern/nsa_attention.h.
                nsaAttentionHead(qh, kh, vh, *mask, spec, scale, oh, probs);
                return;
            }
            std::vector<float> p;
            sparseAttentionHead(qh, kh, vh, *mask, scale, oh, probs ? &p : nullptr);
            if (probs) scatterRow(*mask, p, *probs);
        },
        1, run.threads);

    if (run.masks && sparse) (*run.masks)[static_cast<size_t>(l)] = std::move(masks);
    if (cap) {
        cap->sparse = sparse;
        cap->window = window;
        cap->kvHeadOf.resize(static_cast<size_t>(H));
        for (int64_t h = 0; h < H; ++h) cap->kvHeadOf[static_cast<size_t>(h)] = static_cast<int>(h / rep);
        cap->q = std::move(q);
        cap->k = std::move(k);
        cap->v = std::move(v);
        cap->out = out;
    }
}

}  // namespace sparsescope
