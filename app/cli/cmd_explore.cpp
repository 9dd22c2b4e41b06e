// sparsescope-cli sweep | workloads: which setting to pick (a parameter swept on one
// text) and which workloads tolerate it (one pattern on many texts).
#include "cli_args.h"
#include "commands.h"
#include "model_args.h"
#include "pattern_flags.h"
#include "core/common/error.h"
#include "core/explore/explore_export.h"
#include "core/explore/sweep.h"
#include "core/explore/workload_comparison.h"
#include "core/pattern/pattern_json.h"
#include "core/pattern/pattern_params.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

namespace sparsescope::cli {

namespace {

// "16,32,64" or "0.5,0.9": numbers separated by commas.
std::vector<double> parseValues(const std::string& text) {
    std::vector<double> values;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        const char* begin = part.c_str();
        char* end = nullptr;
        errno = 0;
        const double v = std::strtod(begin, &end);
        if (part.empty() || end == begin || *end != '\0' || errno == ERANGE)
            throw UsageError("--values needs numbers separated by commas, got '" + part + "' in '" + text + "'");
        values.push_back(v);
    }
    if (values.empty()) throw UsageError("--values needs at least one number");
    return values;
}

void requireOneFormat(const ArgParser& a) {
    if (a.has("--csv") && a.has("--json")) throw UsageError("give --csv or --json, not both");
}

void printSweepTable(const SweepResult& s, bool modelLevel) {
    std::printf("%lld tokens, base pattern %s, sweeping %s\n", static_cast<long long>(s.tokens),
                patternToJson(s.base).dump().c_str(), s.param.c_str());
    std::printf("%10s %8s %8s %8s %8s %8s %8s %8s", "value", "density", "flops", "recall", "r_min", "r_p10", "KL",
                "top1");
    if (modelLevel) std::printf(" %9s %8s %8s", "dloss", "ppl", "agree");
    std::printf("\n");
    for (const SweepRow& r : s.rows) {
        const HeadMetrics& m = r.attention;
        std::printf("%10g %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f %8.4f", r.value, m.density, r.flopsShare,
                    m.recallMean, m.recallMin, m.recallP10, m.klMean, m.top1Retention);
        if (modelLevel) std::printf(" %+9.4f %8.4f %8.4f", r.eval.lossDelta, r.eval.pplRatio, r.eval.top1Agreement);
        std::printf("\n");
    }
}

}  // namespace

int runSweep(int argc, char** argv) {
    ArgParser a("sweep",
                "Step one pattern parameter over a list of values on a text and print one row of aggregate "
                "metrics per value (density, FLOPs share with the selector, recall mean/min/p10, KL, output "
                "error, top-1 retention, block density), plus next-token loss dense vs sparse with "
                "--model-level. Sweepable: " + patternParamNames() + ".");
    addModelOptions(a, /*allowIds=*/true);
    a.option("--param", "NAME", "the parameter to sweep (" + patternParamNames() + ")");
    a.option("--values", "LIST", "values, e.g. 16,32,64 (default: powers of two up to the token count)");
    a.option("--layers", "LIST", "layers the pattern applies to, e.g. 0,2-3 (default all)");
    a.flag("--model-level", "also run the model with each value: loss dense/sparse, delta, ppl ratio, top-1");
    a.flag("--csv", "print CSV: a header and one row per value");
    a.flag("--json", "print JSON (param, base, layers, tokens, rows [{value, pattern, aggregate, ...}])");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;
    requireOneFormat(a);
    const std::string param = a.require("--param");
    try {
        patternParam(param);
    } catch (const Error&) {
        throw UsageError("--param: unknown parameter '" + param + "'; sweepable: " + patternParamNames());
    }
    const PatternSpec base = hasPatternArgs(a) ? patternFromArgs(a) : PatternSpec{};
    std::vector<double> values;
    if (a.has("--values")) {
        values = parseValues(a.get("--values"));
        for (double v : values) {
            try {
                withPatternParam(base, param, v);
            } catch (const Error& e) {
                throw UsageError("--values: " + e.problem() + " (" + e.field() + ")");
            }
        }
    }
    const auto model = loadModelFromArgs(a);
    const std::vector<int32_t> ids = idsFromArgs(a, *model);
    const std::vector<int> layers = layersFromArgs(a, *model);
    if (values.empty()) values = defaultSweepValues(param, int64_t(ids.size()));

    ForwardOptions capture;
    capture.capture = true;
    capture.captureProbs = false;
    const ForwardResult dense = model->forward(ids, capture);
    SweepOptions opts;
    opts.layers = layers;
    opts.modelLevel = a.has("--model-level");
    opts.model = model.get();
    opts.ids = &ids;
    opts.denseLogits = &dense.logits;
    const SweepResult s = sparsescope::runSweep(dense.layers, base, param, values, opts);
    if (a.has("--csv")) std::fputs(sweepCsv({s}, opts.modelLevel).c_str(), stdout);
    else if (a.has("--json")) std::printf("%s\n", sweepToJson(s).dump(2).c_str());
    else printSweepTable(s, opts.modelLevel);
    return 0;
}

int runWorkloads(int argc, char** argv) {
    ArgParser a("workloads",
                "Evaluate one pattern on every bundled sample (or every text file of a folder): tokens, "
                "density, recall, loss dense vs sparse, perplexity ratio, top-1 agreement, and for the "
                "passkey and key-value samples whether the answer is still retrieved (teacher forcing).");
    a.option("--model", "DIR", "Hugging Face model folder (default: the bundled model)");
    a.option("--samples", "DIR", "samples folder with manifest.json (default: the bundled samples)");
    a.option("--folder", "DIR", "every text file of this folder instead of the samples");
    a.option("--max-tokens", "N", "at most N tokens per text (retrieval tasks are remade smaller; default 1024)");
    a.option("--layers", "LIST", "layers the pattern applies to, e.g. 0,2-3 (default all)");
    a.flag("--csv", "print CSV: a header and one row per text");
    a.flag("--json", "print JSON (pattern, layers, rows [{id, kind, tokens, aggregate, loss_*, retrieval}])");
    addPatternOptions(a);
    if (!a.parse(argc, argv)) return 0;
    requireOneFormat(a);
    if (!hasPatternArgs(a)) throw UsageError("'workloads' needs a pattern (e.g. --preset streamingllm)");
    if (a.has("--samples") && a.has("--folder")) throw UsageError("give --samples or --folder, not both");
    const int64_t maxTokens = a.getInt("--max-tokens").value_or(1024);
    if (maxTokens < 2) throw UsageError("--max-tokens must be >= 2");
    const PatternSpec spec = patternFromArgs(a);
    const auto model = loadModelFromArgs(a);
    std::vector<WorkloadText> texts;
    if (a.has("--folder")) {
        std::vector<std::string> skipped;
        texts = folderWorkloads(a.get("--folder"), &skipped);
        for (const std::string& s : skipped) std::fprintf(stderr, "note: skipped %s\n", s.c_str());
    } else {
        texts = bundledWorkloads(a.has("--samples") ? a.get("--samples") : SPARSESCOPE_SOURCE_DIR "/samples");
    }
    ComparisonOptions opts;
    opts.layers = layersFromArgs(a, *model);
    opts.maxTokens = maxTokens;
    const WorkloadComparison c = compareWorkloads(*model, texts, spec, opts);
    for (const WorkloadRow& r : c.rows)
        if (!r.notice.empty()) std::fprintf(stderr, "note: %s\n", r.notice.c_str());
    if (a.has("--csv")) {
        std::fputs(comparisonCsv(c).c_str(), stdout);
    } else if (a.has("--json")) {
        std::printf("%s\n", comparisonToJson(c).dump(2).c_str());
    } else {
        std::printf("pattern %s\n", patternToJson(c.pattern).dump().c_str());
        std::printf("%-28s %-10s %6s %8s %8s %8s %9s %8s %8s %s\n", "workload", "kind", "tokens", "density",
                    "recall", "r_min", "dloss", "ppl", "agree", "retrieved (dense/sparse)");
        for (const WorkloadRow& r : c.rows) {
            std::string retrieved = "-";
            if (r.retrieval)
                retrieved = std::string(r.retrieval->dense ? "yes" : "no") + "/" + (r.retrieval->sparse ? "yes" : "no");
            std::printf("%-28s %-10s %6lld %8.4f %8.4f %8.4f %+9.4f %8.4f %8.4f %s\n", r.workload.id.c_str(),
                        r.workload.kind.c_str(), static_cast<long long>(r.tokens), r.attention.density,
                        r.attention.recallMean, r.attention.recallMin, r.eval.lossDelta, r.eval.pplRatio,
                        r.eval.top1Agreement, retrieved.c_str());
        }
    }
    return 0;
}

}  // namespace sparsescope::cli
