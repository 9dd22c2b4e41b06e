#pragma once
// Pareto sweep: one pattern parameter stepped over a list of values on one
// workload, one row of aggregate metrics per value, so "which setting should I
// pick" becomes a compute-against-accuracy curve.
//
// Attention level: each row's `attention` is exactly analyzeCaptures(captures,
// spec_v, layers).aggregate (the per-row vectors dropped), so the sweep, the CLI's
// `analyze` and the GUI's readouts agree to the bit.
//   flopsShare = flopsSparse / flopsDense   (the selector's FLOPs included)
// Model level (optional): the model run with spec_v in the chosen layers, compared
// with the dense logits (cached: computed once per sweep, or handed in) by
// compareNextToken: loss dense/sparse, Δloss, perplexity ratio, top-1 agreement.
#include "core/common/tensor.h"
#include "core/metrics/attention_metrics.h"
#include "core/model/evaluation.h"
#include "core/pattern/pattern_spec.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sparsescope {

class Model;
struct LayerCapture;

struct SweepRow {
    double value = 0;       // the swept parameter's value
    PatternSpec pattern;    // the base pattern with that value
    HeadMetrics attention;  // pooled over the heads of the chosen layers (no per-row vectors)
    double flopsShare = 0;  // flopsSparse / flopsDense
    bool hasModelEval = false;
    ModelEval eval;         // with hasModelEval
};

struct SweepResult {
    std::string param;
    PatternSpec base;
    std::vector<int> layers;  // the layers the pattern applies to (empty = all)
    int64_t tokens = 0;
    std::vector<SweepRow> rows;  // in the order of the values; fewer when cancelled
    bool cancelled = false;
};

// Called after each step; done counts the steps finished (a value's attention pass
// and, with the model level, its forward pass are one step each), total all steps.
// Return false to stop: the sweep then returns the rows finished so far.
using SweepProgress = std::function<bool(int done, int total)>;

struct SweepOptions {
    std::vector<int> layers;  // empty = every layer
    float scale = 0.0f;       // <= 0: 1/sqrt(head dim)
    // Model level: needs model and ids (the text the captures came from).
    bool modelLevel = false;
    const Model* model = nullptr;
    const std::vector<int32_t>* ids = nullptr;
    const MatrixRM* denseLogits = nullptr;  // cached dense logits [T, V]; null: one dense pass
    int threads = 0;                        // forward passes; 0 = all hardware threads
    SweepProgress progress;
    const std::atomic<bool>* cancel = nullptr;  // set to stop (checked between steps and layers)
};

// Throws Error for an unknown parameter, an invalid value (the row's pattern fails
// validate()), no values, a layer that does not exist, or the model level without
// model and ids.
SweepResult runSweep(const std::vector<LayerCapture>& captures, const PatternSpec& base,
                     const std::string& param, const std::vector<double>& values,
                     const SweepOptions& options = {});

// --- choosing a point ---------------------------------------------------------

// What a sweep point costs and what it loses, for the pickers below.
enum class CostAxis { Density, FlopsShare };
enum class AccuracyAxis { RecallMean, LossDelta };  // recall: higher is better; Δloss: lower

double costOf(const SweepRow& row, CostAxis axis);
// nullopt when the row has no such figure (Δloss without the model level).
std::optional<double> accuracyOf(const SweepRow& row, AccuracyAxis axis);

// Indices of the rows no other row dominates (another row at most as costly and at
// least as accurate, strictly better in one), in the order of increasing cost.
// Rows without the accuracy figure are left out.
std::vector<size_t> paretoFront(const std::vector<SweepRow>& rows, CostAxis cost, AccuracyAxis accuracy);

// The cheapest row meeting the budget (recall mean >= limit, or Δloss <= limit);
// ties in cost go to the more accurate row, then to the earlier one. nullopt when none.
std::optional<size_t> cheapestWithin(const std::vector<SweepRow>& rows, CostAxis cost, AccuracyAxis accuracy,
                                     double limit);

// True when the row meets the budget on that axis.
bool meetsBudget(const SweepRow& row, AccuracyAxis accuracy, double limit);

}  // namespace sparsescope
