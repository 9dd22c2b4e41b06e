#pragma once
// Human-readable tables of metrics (the JSON form lives in core/metrics/metrics_json.h).
#include "core/metrics/head_analysis.h"

#include <cstdio>

namespace sparsescope::cli {

void printAnalysisTable(const AnalysisResult& r, std::FILE* out);

}  // namespace sparsescope::cli
