#pragma once
// CSV and JSON of sweeps and workload comparisons: one set of columns and keys for
// `sparsescope-cli sweep|workloads` and the GUI's exports.
//
// Numbers are written with 17 significant digits (CSV) or nlohmann's shortest
// round-trip form (JSON), so a value read back is the double that was computed.
#include "core/explore/sweep.h"
#include "core/explore/workload_comparison.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sparsescope {

// preset,param,value,tokens,density,flops_share,flops_dense,flops_sparse,flops_selector,
// recall_mean,recall_min,recall_p10,kl_mean,output_rel_error_mean,output_rel_error_max,
// top1_retention,block_density,kv_reads_last
// and with modelLevel: loss_dense,loss_sparse,loss_delta,ppl_ratio,top1_agreement
std::vector<std::string> sweepCsvColumns(bool modelLevel);
// Header line plus one line per row of every sweep (each line ends with '\n').
// Model-level cells of rows without the model level are left empty.
std::string sweepCsv(const std::vector<SweepResult>& sweeps, bool modelLevel);

// {"param", "base": pattern, "layers", "tokens", "cancelled", "rows": [{"value",
//  "pattern", "flops_share", "aggregate": metricsToJson, and with the model level
//  "loss_dense", "loss_sparse", "loss_delta", "ppl_ratio", "top1_agreement"}]}
nlohmann::json sweepToJson(const SweepResult& sweep);

// id,title,kind,tokens,density,flops_share,recall_mean,recall_min,recall_p10,kl_mean,
// output_rel_error_mean,top1_retention,loss_dense,loss_sparse,loss_delta,ppl_ratio,
// top1_agreement,answer,retrieved_dense,retrieved_sparse,notice
// (retrieved_*: "yes" / "no", empty for texts without a known answer)
std::vector<std::string> comparisonCsvColumns();
std::string comparisonCsv(const WorkloadComparison& c);

// {"pattern", "layers", "cancelled", "rows": [{"id", "title", "kind", "source",
//  "tokens", "notice", "flops_share", "aggregate", "loss_dense", ..., "retrieval":
//  {"answer", "answer_tokens", "dense", "sparse"} (only with a known answer)}]}
nlohmann::json comparisonToJson(const WorkloadComparison& c);

// RFC 4180: quoted (inner quotes doubled) when the field holds ',', '"' or a line break.
std::string csvField(const std::string& s);

}  // namespace sparsescope
