// sparsescope-cli analyze: a pattern's compute and accuracy metrics on real Q/K(/V).
#include "cli_args.h"
#include "commands.h"
#include "metrics_report.h"
#include "pattern_flags.h"
#include "qkv_input.h"
#include "core/metrics/head_analysis.h"
#include "core/metrics/metrics_json.h"

#include <cstdio>

namespace sparsescope::cli {

int runAnalyze(int argc, char** argv) {
    ArgParser a("analyze",
                "Apply a pattern to every head of Q/K(/V) and print density, recall (mean, min, "
                "10th percentile), KL(sparse||dense), output error (with V), top-1 retention, "
                "block density, attention FLOPs dense and sparse and KV reads per decoded token.");
    addQkvOptions(a, /*withModel=*/true);
    a.option("--scale", "F", "score scale (default 1/sqrt(d))");
    a.flag("--json", "print JSON (keys: n, heads, pattern, aggregate, per_head)");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;

    const PatternSpec spec = patternFromArgs(a);
    if (!hasQkvArgs(a)) throw UsageError("'analyze' needs --q and --k (or --qkv)");
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
