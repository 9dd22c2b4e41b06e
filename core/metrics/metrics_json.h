#pragma once
// The JSON form of metrics, one set of keys for the CLI, exports and tests.
#include "core/metrics/head_analysis.h"

#include <nlohmann/json.hpp>

namespace sparsescope {

// Keys: density, recall_mean, recall_min, recall_p10, kl_mean, output_rel_error_mean,
// output_rel_error_max (only with V), top1_retention, block_density, block_size,
// flops_dense, flops_sparse, flops_selector, flops_core, oracle_selection, kv_reads_last,
// row_density_min / _p10 / _median / _p90 / _max, indexer_overlap (DSA only).
nlohmann::json metricsToJson(const HeadMetrics& m);

// Keys: n, heads, scale, pattern, aggregate, per_head.
nlohmann::json analysisToJson(const AnalysisResult& r);

}  // namespace sparsescope

namespace sparsescope {
struct ModelAnalysis;
// Keys: tokens, pattern, layers, aggregate, per_layer [{layer, aggregate, per_head}].
nlohmann::json modelAnalysisToJson(const ModelAnalysis& a);
}  // namespace sparsescope
