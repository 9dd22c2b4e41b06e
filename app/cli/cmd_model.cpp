// The subcommands that run a transformer: tokenize, forward, eval.
#include "cli_args.h"
#include "commands.h"
#include "model_args.h"
#include "pattern_flags.h"
#include "core/common/error.h"
#include "core/io/npy.h"
#include "core/metrics/metrics_json.h"
#include "core/metrics/model_analysis.h"
#include "core/model/evaluation.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdio>

namespace sparsescope::cli {

int runTokenize(int argc, char** argv) {
    ArgParser a("tokenize", "Tokenize a text with a model's tokenizer.json and write the ids as int64 [T].");
    addModelOptions(a, /*allowIds=*/false);
    a.option("--out", "IDS.npy", "output .npy (int64 [T]); without it the ids are printed");
    a.flag("--pieces", "print each id with its text piece");
    if (!a.parse(argc, argv)) return 0;
    const auto model = loadModelFromArgs(a);
    const std::vector<int32_t> ids = idsFromArgs(a, *model);
    if (a.has("--out")) {
        std::vector<int64_t> wide(ids.begin(), ids.end());
        writeNpy(a.get("--out"), {int64_t(wide.size())}, wide.data());
        std::printf("wrote %s: %zu tokens\n", a.get("--out").c_str(), ids.size());
    } else if (a.has("--pieces")) {
        for (int32_t id : ids) std::printf("%d\t%s\n", id, model->tokenizer().tokenText(id).c_str());
    } else {
        for (size_t i = 0; i < ids.size(); ++i) std::printf("%s%d", i ? " " : "", ids[i]);
        std::printf("\n");
    }
    return 0;
}

int runForward(int argc, char** argv) {
    ArgParser a("forward",
                "Run the model and write its logits [T, vocab] (float32) and, with --attn-out, the "
                "attention probabilities [layers, heads, T, T]: dense, or the sparse ones (renormalised "
                "over the kept keys) in the layers a pattern applies to.");
    addModelOptions(a, /*allowIds=*/true);
    a.option("--logits-out", "L.npy", "output logits .npy");
    a.option("--attn-out", "A.npy", "output attention probabilities .npy");
    a.option("--layers", "LIST", "layers the pattern applies to, e.g. 0,2-3 (default all)");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;
    const std::string logitsOut = a.require("--logits-out");
    const auto model = loadModelFromArgs(a);
    const std::vector<int32_t> ids = idsFromArgs(a, *model);
    PatternSpec spec;
    ForwardOptions opts;
    if (hasPatternArgs(a)) {
        spec = patternFromArgs(a);
        opts.pattern = &spec;
        opts.sparseLayers = layersFromArgs(a, *model);
    }
    opts.capture = a.has("--attn-out");
    const ForwardResult r = model->forward(ids, opts);
    const int64_t t = r.logits.rows();
    writeNpy(logitsOut, {t, r.logits.cols()}, r.logits.data());
    if (opts.capture) {
        const int64_t layers = int64_t(r.layers.size()), heads = model->config().heads;
        std::vector<float> attn(size_t(layers * heads * t * t));
        for (int64_t l = 0; l < layers; ++l)
            for (int64_t h = 0; h < heads; ++h)
                std::copy_n(r.layers[l].probs[h].data(), t * t, attn.data() + (l * heads + h) * t * t);
        writeNpy(a.get("--attn-out"), {layers, heads, t, t}, attn.data());
    }
    std::printf("ran %lld tokens through %s%s\n", static_cast<long long>(t), model->directory().c_str(),
                opts.pattern ? " with the pattern" : "");
    return 0;
}

int runEval(int argc, char** argv) {
    ArgParser a("eval",
                "Model-level accuracy of a pattern: the text through the model dense and with the "
                "pattern inside the chosen layers; next-token loss (nats) both ways, its difference, "
                "the perplexity ratio and the share of positions whose top-1 prediction is unchanged, "
                "plus the attention metrics of every layer.");
    addModelOptions(a, /*allowIds=*/true);
    a.option("--layers", "LIST", "layers the pattern applies to, e.g. 0,2-3 (default all)");
    a.flag("--json", "print JSON (tokens, loss_dense, loss_sparse, loss_delta, ppl_ratio, "
                     "top1_agreement, aggregate, per_layer)");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;
    if (!hasPatternArgs(a)) throw UsageError("'eval' needs a pattern (e.g. --preset streamingllm)");
    const PatternSpec spec = patternFromArgs(a);
    const auto model = loadModelFromArgs(a);
    const std::vector<int32_t> ids = idsFromArgs(a, *model);
    if (ids.size() < 2) throw Error("<input>", "text", "needs at least 2 tokens to score next-token predictions");
    const std::vector<int> layers = layersFromArgs(a, *model);

    ForwardOptions denseOpts;
    denseOpts.capture = true;
    denseOpts.captureProbs = false;
    const ForwardResult dense = model->forward(ids, denseOpts);
    ForwardOptions sparseOpts;
    sparseOpts.pattern = &spec;
    sparseOpts.sparseLayers = layers;
    const ForwardResult sparse = model->forward(ids, sparseOpts);
    const ModelEval ev = compareNextToken(dense.logits, sparse.logits, ids);
    const ModelAnalysis an = analyzeCaptures(dense.layers, spec, layers);

    nlohmann::json j = modelAnalysisToJson(an);
    j["tokens"] = ev.tokens;
    j["loss_dense"] = ev.lossDense;
    j["loss_sparse"] = ev.lossSparse;
    j["loss_delta"] = ev.lossDelta;
    j["ppl_ratio"] = ev.pplRatio;
    j["top1_agreement"] = ev.top1Agreement;
    if (a.has("--json")) {
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("%d tokens, pattern %s\n", ev.tokens, j["pattern"].dump().c_str());
        std::printf("loss dense %.4f nats, sparse %.4f (delta %+.4f), perplexity ratio %.4f, "
                    "top-1 agreement %.2f %%\n",
                    ev.lossDense, ev.lossSparse, ev.lossDelta, ev.pplRatio, 100 * ev.top1Agreement);
        std::printf("attention: density %.4f, recall mean %.4f (min %.4f), KL %.4f, output error %.4f\n",
                    an.aggregate.density, an.aggregate.recallMean, an.aggregate.recallMin,
                    an.aggregate.klMean, an.aggregate.outputRelErrorMean);
    }
    return 0;
}

}  // namespace sparsescope::cli
