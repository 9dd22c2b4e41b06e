#include "metrics_report.h"

#include "core/pattern/pattern_json.h"

namespace sparsescope::cli {

namespace {
void printRow(std::FILE* out, const char* label, const HeadMetrics& m) {
    std::fprintf(out, "%-9s %8.4f %8.4f %8.4f %8.4f %9.4f %8.4f", label, m.density, m.recallMean,
                 m.recallMin, m.recallP10, m.klMean, m.top1Retention);
    if (m.hasOutputError)
        std::fprintf(out, " %9.4f %9.4f", m.outputRelErrorMean, m.outputRelErrorMax);
    else
        std::fprintf(out, " %9s %9s", "-", "-");
    std::fprintf(out, " %8.4f %9.1f\n", m.blockDensity, m.kvReadsLast);
}
}  // namespace

void printAnalysisTable(const AnalysisResult& r, std::FILE* out) {
    const HeadMetrics& a = r.aggregate;
    std::fprintf(out, "n = %lld tokens, %lld heads, scale %.6g\npattern: %s\n\n",
                 static_cast<long long>(r.n), static_cast<long long>(r.heads), r.scale,
                 patternToJson(r.pattern).dump().c_str());
    std::fprintf(out, "%-9s %8s %8s %8s %8s %9s %8s %9s %9s %8s %9s\n", "head", "density", "recall",
                 "r_min", "r_p10", "KL", "top1", "err_mean", "err_max", "blk_dens", "kv_reads");
    for (size_t h = 0; h < r.perHead.size(); ++h) {
        const std::string label = std::to_string(h);
        printRow(out, label.c_str(), r.perHead[h]);
    }
    printRow(out, "all", a);
    std::fprintf(out, "\nblock density at B = %lld: %lld of %lld tiles\n",
                 static_cast<long long>(a.blockSize), static_cast<long long>(a.keptTiles),
                 static_cast<long long>(a.possibleTiles));
    std::fprintf(out, "attention FLOPs: dense %.4g -> sparse %.4g (%.2fx fewer)%s\n", a.flopsDense,
                 a.flopsSparse, a.flopsSparse > 0 ? a.flopsDense / a.flopsSparse : 0.0,
                 a.oracleSelection ? "; includes the oracle's dense q.k pass to choose keys" : "");
}

}  // namespace sparsescope::cli
