#include "core/explore/explore_export.h"

#include "core/metrics/metrics_json.h"
#include "core/pattern/pattern_json.h"

#include <cstdio>

namespace sparsescope {

namespace {

std::string num(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string joinLine(const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) line += (i ? "," : "") + cells[i];
    return line + "\n";
}

void addEval(nlohmann::json& j, const ModelEval& e) {
    j["loss_dense"] = e.lossDense;
    j["loss_sparse"] = e.lossSparse;
    j["loss_delta"] = e.lossDelta;
    j["ppl_ratio"] = e.pplRatio;
    j["top1_agreement"] = e.top1Agreement;
}

}  // namespace

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::vector<std::string> sweepCsvColumns(bool modelLevel) {
    std::vector<std::string> c = {"preset",         "param",          "value",
                                  "tokens",         "density",        "flops_share",
                                  "flops_dense",    "flops_sparse",   "flops_selector",
                                  "recall_mean",    "recall_min",     "recall_p10",
                                  "kl_mean",        "output_rel_error_mean", "output_rel_error_max",
                                  "top1_retention", "block_density",  "kv_reads_last"};
    if (modelLevel)
        for (const char* m : {"loss_dense", "loss_sparse", "loss_delta", "ppl_ratio", "top1_agreement"})
            c.push_back(m);
    return c;
}

std::string sweepCsv(const std::vector<SweepResult>& sweeps, bool modelLevel) {
    std::string out = joinLine(sweepCsvColumns(modelLevel));
    for (const SweepResult& s : sweeps) {
        for (const SweepRow& r : s.rows) {
            const HeadMetrics& m = r.attention;
            std::vector<std::string> c = {csvField(s.base.preset),
                                          s.param,
                                          num(r.value),
                                          std::to_string(s.tokens),
                                          num(m.density),
                                          num(r.flopsShare),
                                          num(m.flopsDense),
                                          num(m.flopsSparse),
                                          num(m.flopsSelector),
                                          num(m.recallMean),
                                          num(m.recallMin),
                                          num(m.recallP10),
                                          num(m.klMean),
                                          m.hasOutputError ? num(m.outputRelErrorMean) : "",
                                          m.hasOutputError ? num(m.outputRelErrorMax) : "",
                                          num(m.top1Retention),
                                          num(m.blockDensity),
                                          num(m.kvReadsLast)};
            if (modelLevel) {
                const ModelEval& e = r.eval;
                for (double v : {e.lossDense, e.lossSparse, e.lossDelta, e.pplRatio, e.top1Agreement})
                    c.push_back(r.hasModelEval ? num(v) : "");
            }
            out += joinLine(c);
        }
    }
    return out;
}

nlohmann::json sweepToJson(const SweepResult& s) {
    nlohmann::json j;
    j["param"] = s.param;
    j["base"] = patternToJson(s.base);
    j["layers"] = s.layers;
    j["tokens"] = s.tokens;
    j["cancelled"] = s.cancelled;
    j["rows"] = nlohmann::json::array();
    for (const SweepRow& r : s.rows) {
        nlohmann::json row;
        row["value"] = r.value;
        row["pattern"] = patternToJson(r.pattern);
        row["flops_share"] = r.flopsShare;
        row["aggregate"] = metricsToJson(r.attention);
        if (r.hasModelEval) addEval(row, r.eval);
        j["rows"].push_back(std::move(row));
    }
    return j;
}

std::vector<std::string> comparisonCsvColumns() {
    return {"id",          "title",          "kind",        "tokens",         "density",
            "flops_share", "recall_mean",    "recall_min",  "recall_p10",     "kl_mean",
            "output_rel_error_mean",         "top1_retention", "loss_dense", "loss_sparse",
            "loss_delta",  "ppl_ratio",      "top1_agreement", "answer",     "retrieved_dense",
            "retrieved_sparse", "notice"};
}

std::string comparisonCsv(const WorkloadComparison& c) {
    std::string out = joinLine(comparisonCsvColumns());
    auto yesNo = [](bool b) { return std::string(b ? "yes" : "no"); };
    for (const WorkloadRow& r : c.rows) {
        const HeadMetrics& m = r.attention;
        const ModelEval& e = r.eval;
        out += joinLine({csvField(r.workload.id), csvField(r.workload.title), csvField(r.workload.kind),
                         std::to_string(r.tokens), num(m.density), num(r.flopsShare), num(m.recallMean),
                         num(m.recallMin), num(m.recallP10), num(m.klMean),
                         m.hasOutputError ? num(m.outputRelErrorMean) : "", num(m.top1Retention),
                         num(e.lossDense), num(e.lossSparse), num(e.lossDelta), num(e.pplRatio),
                         num(e.top1Agreement), r.retrieval ? csvField(r.retrieval->answer) : "",
                         r.retrieval ? yesNo(r.retrieval->dense) : "", r.retrieval ? yesNo(r.retrieval->sparse) : "",
                         csvField(r.notice)});
    }
    return out;
}

nlohmann::json comparisonToJson(const WorkloadComparison& c) {
    nlohmann::json j;
    j["pattern"] = patternToJson(c.pattern);
    j["layers"] = c.layers;
    j["cancelled"] = c.cancelled;
    j["rows"] = nlohmann::json::array();
    for (const WorkloadRow& r : c.rows) {
        nlohmann::json row;
        row["id"] = r.workload.id;
        row["title"] = r.workload.title;
        row["kind"] = r.workload.kind;
        row["source"] = r.workload.source;
        row["tokens"] = r.tokens;
        row["notice"] = r.notice;
        row["flops_share"] = r.flopsShare;
        row["aggregate"] = metricsToJson(r.attention);
        addEval(row, r.eval);
        if (r.retrieval) {
            row["retrieval"] = {{"answer", r.retrieval->answer},
                                {"answer_tokens", r.retrieval->answerTokens},
                                {"prompt_tokens", r.retrieval->promptTokens},
                                {"dense", r.retrieval->dense},
                                {"sparse", r.retrieval->sparse}};
        }
        j["rows"].push_back(std::move(row));
    }
    return j;
}

}  // namespace sparsescope
