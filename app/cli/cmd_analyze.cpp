// sparsescope-cli analyze: a pattern's compute and accuracy metrics on real Q/K(/V).
#include "cli_args.h"
#include "commands.h"
#include "metrics_report.h"
#include "model_args.h"
#include "pattern_flags.h"
#include "qkv_input.h"
#include "core/metrics/head_analysis.h"
#include "core/metrics/metrics_json.h"
#include "core/metrics/model_analysis.h"

#include <cstdio>

namespace sparsescope::cli {

namespace {
// Q, K, V as a model computes them on a text: every head of every chosen layer.
int analyzeModel(const ArgParser& a, const PatternSpec& spec) {
    const auto model = loadModelFromArgs(a);
    const std::vector<int32_t> ids = idsFromArgs(a, *model);
    ForwardOptions opts;
    opts.capture = true;
    opts.captureProbs = false;
    const ForwardResult r = model->forward(ids, opts);
    const float scale = a.has("--scale") ? static_cast<float>(*a.getDouble("--scale")) : 0.0f;
    const ModelAnalysis an = analyzeCaptures(r.layers, spec, layersFromArgs(a, *model), scale);
    if (a.has("--json")) {
        std::printf("%s\n", modelAnalysisToJson(an).dump(2).c_str());
    } else {
        for (size_t i = 0; i < an.perLayer.size(); ++i) {
            std::printf("== layer %d\n", an.layers[i]);
            printAnalysisTable(an.perLayer[i], stdout);
            std::printf("\n");
        }
    }
    return 0;
}
}  // namespace

int runAnalyze(int argc, char** argv) {
    ArgParser a("analyze",
                "Apply a pattern to every head of Q/K(/V) and print density, recall (mean, min, "
                "10th percentile), KL(sparse||dense), output error (with V), top-1 retention, "
                "block density, attention FLOPs dense and sparse and KV reads per decoded token.");
    addQkvOptions(a, /*withModel=*/true);
    addModelOptions(a, /*allowIds=*/true);
    a.option("--layers", "LIST", "with a model: layers to analyse, e.g. 0,2-3 (default all)");
    a.option("--scale", "F", "score scale (default 1/sqrt(d))");
    a.flag("--json", "print JSON (keys: n, heads, pattern, aggregate, per_head)");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;

    const PatternSpec spec = patternFromArgs(a);
    const bool fromModel = a.has("--model") || a.has("--text-file") || a.has("--text") || a.has("--ids");
    if (fromModel && hasQkvArgs(a)) throw UsageError("give either Q/K files or a model and a text, not both");
    if (fromModel) return analyzeModel(a, spec);
    if (!hasQkvArgs(a)) throw UsageError("'analyze' needs --q and --k (or --qkv), or --text-file with a model");
    const QkvSet qkv = loadQkvFromArgs(a, /*needV=*/false);
    const float scale = a.has("--scale") ? static_cast<float>(*a.getDouble("--scale")) : 0.0f;
    if (a.has("--scale") && !(scale > 0)) throw UsageError("--scale must be > 0");
    const AnalysisResult r = analyzeHeads(qkv.q, qkv.k, qkv.hasV ? &qkv.v : nullptr, spec, scale);
    if (a.has("--json")) {
        std::printf("%s\n", analysisToJson(r).dump(2).c_str());
    } else {
        printAnalysisTable(r, stdout);
    }
    return 0;
}

}  // namespace sparsescope::cli
