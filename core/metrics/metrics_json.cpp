#include "core/metrics/metrics_json.h"

#include "core/pattern/pattern_json.h"

namespace sparsescope {

nlohmann::json metricsToJson(const HeadMetrics& m) {
    nlohmann::json j;
    j["density"] = m.density;
    j["kept_pairs"] = m.keptPairs;
    j["recall_mean"] = m.recallMean;
    j["recall_min"] = m.recallMin;
    j["recall_p10"] = m.recallP10;
    j["kl_mean"] = m.klMean;
    if (m.hasOutputError) {
        j["output_rel_error_mean"] = m.outputRelErrorMean;
        j["output_rel_error_max"] = m.outputRelErrorMax;
    }
    j["top1_retention"] = m.top1Retention;
    j["block_density"] = m.blockDensity;
    j["block_size"] = m.blockSize;
    j["flops_dense"] = m.flopsDense;
    j["flops_sparse"] = m.flopsSparse;
    j["flops_selector"] = m.flopsSelector;
    j["flops_core"] = m.flopsSparse - m.flopsSelector;  // readout: core + selector = sparse
    j["oracle_selection"] = m.oracleSelection;
    j["kv_reads_last"] = m.kvReadsLast;
    j["row_density_min"] = m.rowDensityMin;
    j["row_density_p10"] = m.rowDensityP10;
    j["row_density_median"] = m.rowDensityMedian;
    j["row_density_p90"] = m.rowDensityP90;
    j["row_density_max"] = m.rowDensityMax;
    if (m.hasIndexerOverlap) j["indexer_overlap"] = m.indexerOverlap;
    return j;
}

nlohmann::json analysisToJson(const AnalysisResult& r) {
    nlohmann::json j;
    j["n"] = r.n;
    j["heads"] = r.heads;
    j["scale"] = r.scale;
    j["pattern"] = patternToJson(r.pattern);
    j["aggregate"] = metricsToJson(r.aggregate);
    j["per_head"] = nlohmann::json::array();
    for (const auto& h : r.perHead) j["per_head"].push_back(metricsToJson(h));
    return j;
}

}  // namespace sparsescope

#include "core/metrics/model_analysis.h"

namespace sparsescope {

nlohmann::json modelAnalysisToJson(const ModelAnalysis& a) {
    nlohmann::json j;
    j["tokens"] = a.tokens;
    j["pattern"] = patternToJson(a.pattern);
    j["layers"] = a.layers;
    j["aggregate"] = metricsToJson(a.aggregate);
    j["per_layer"] = nlohmann::json::array();
    for (size_t i = 0; i < a.perLayer.size(); ++i) {
        nlohmann::json layer;
        layer["layer"] = a.layers[i];
        layer["aggregate"] = metricsToJson(a.perLayer[i].aggregate);
        layer["per_head"] = nlohmann::json::array();
        for (const auto& h : a.perLayer[i].perHead) layer["per_head"].push_back(metricsToJson(h));
        j["per_layer"].push_back(std::move(layer));
    }
    return j;
}

}  // namespace sparsescope
