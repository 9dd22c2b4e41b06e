#include "core/explore/sweep.h"

#include "core/common/error.h"
#include "core/metrics/model_analysis.h"
#include "core/model/model.h"
#include "core/pattern/pattern_params.h"

#include <algorithm>
#include <numeric>

namespace sparsescope {

namespace {

bool stopRequested(const SweepOptions& o) { return o.cancel && o.cancel->load(std::memory_order_relaxed); }

// The aggregate without its pooled per-row vectors: a sweep row keeps figures, not
// every row of every head (those are n x heads x layers doubles per value).
HeadMetrics figuresOnly(HeadMetrics m) {
    m.rowRecall = {};
    m.rowOutputError = {};
    m.rowDensity = {};
    m.rowIndexerOverlap = {};
    return m;
}

}  // namespace

SweepResult runSweep(const std::vector<LayerCapture>& captures, const PatternSpec& base,
                     const std::string& param, const std::vector<double>& values, const SweepOptions& o) {
    patternParam(param);  // unknown names fail before any work
    if (values.empty()) throw Error("<input>", "values", "the sweep needs at least one value");
    if (captures.empty()) throw Error("<input>", "captures", "no captured layers to sweep on");
    // Every value's pattern is checked before the first (slow) step.
    std::vector<PatternSpec> specs;
    for (double v : values) specs.push_back(withPatternParam(base, param, v));
    if (o.modelLevel && (!o.model || !o.ids))
        throw Error("<input>", "model-level", "the model-level sweep needs the model and the token ids");
    if (o.modelLevel && o.ids->size() < 2)
        throw Error("<input>", "text", "needs at least 2 tokens to score next-token predictions");

    SweepResult result;
    result.param = param;
    result.base = base;
    result.layers = o.layers;
    result.tokens = captures.front().q.n;

    const int total = static_cast<int>(values.size()) * (o.modelLevel ? 2 : 1) + (o.modelLevel && !o.denseLogits);
    int done = 0;
    auto step = [&]() {
        ++done;
        if (o.progress && !o.progress(done, total)) return false;
        return !stopRequested(o);
    };
    if (stopRequested(o)) {
        result.cancelled = true;
        return result;
    }

    // Forward passes stop between layers when cancelled.
    ForwardOptions fwd;
    fwd.threads = o.threads;
    fwd.progress = [&](int, int) { return !stopRequested(o); };
    MatrixRM ownDense;
    const MatrixRM* dense = o.denseLogits;
    try {
        if (o.modelLevel && !dense) {
            ownDense = o.model->forward(*o.ids, fwd).logits;
            dense = &ownDense;
            if (!step()) {
                result.cancelled = true;
                return result;
            }
        }
        for (size_t i = 0; i < values.size(); ++i) {
            SweepRow row;
            row.value = values[i];
            row.pattern = specs[i];
            row.attention = figuresOnly(analyzeCaptures(captures, specs[i], o.layers, o.scale).aggregate);
            row.flopsShare = row.attention.flopsDense > 0 ? row.attention.flopsSparse / row.attention.flopsDense : 0;
            const bool more = step();
            if (o.modelLevel && more) {
                ForwardOptions sparse = fwd;
                sparse.pattern = &specs[i];
                sparse.sparseLayers = o.layers;
                row.eval = compareNextToken(*dense, o.model->forward(*o.ids, sparse).logits, *o.ids);
                row.hasModelEval = true;
                result.rows.push_back(std::move(row));
                if (!step()) break;
                continue;
            }
            // A row is only delivered complete: with the model level, a row whose
            // forward pass was skipped by a cancel is dropped.
            if (!o.modelLevel) result.rows.push_back(std::move(row));
            if (!more) break;
        }
    } catch (const ForwardCancelled&) {
        result.cancelled = true;
        return result;
    }
    result.cancelled = result.rows.size() < values.size();
    return result;
}

double costOf(const SweepRow& row, CostAxis axis) {
    return axis == CostAxis::Density ? row.attention.density : row.flopsShare;
}

std::optional<double> accuracyOf(const SweepRow& row, AccuracyAxis axis) {
    if (axis == AccuracyAxis::RecallMean) return row.attention.recallMean;
    if (!row.hasModelEval) return std::nullopt;
    return row.eval.lossDelta;
}

namespace {
// "Goodness": larger is better on both accuracy axes after the sign flip.
double goodness(const SweepRow& row, AccuracyAxis axis) {
    const double a = *accuracyOf(row, axis);
    return axis == AccuracyAxis::RecallMean ? a : -a;
}
}  // namespace

std::vector<size_t> paretoFront(const std::vector<SweepRow>& rows, CostAxis cost, AccuracyAxis accuracy) {
    std::vector<size_t> candidates;
    for (size_t i = 0; i < rows.size(); ++i)
        if (accuracyOf(rows[i], accuracy)) candidates.push_back(i);
    std::vector<size_t> front;
    for (size_t i : candidates) {
        const double ci = costOf(rows[i], cost), gi = goodness(rows[i], accuracy);
        bool dominated = false;
        for (size_t j : candidates) {
            if (j == i) continue;
            const double cj = costOf(rows[j], cost), gj = goodness(rows[j], accuracy);
            if (cj <= ci && gj >= gi && (cj < ci || gj > gi)) {
                dominated = true;
                break;
            }
        }
        // Equal points (same cost, same accuracy): keep the first only.
        for (size_t j : front)
            if (costOf(rows[j], cost) == ci && goodness(rows[j], accuracy) == gi) dominated = true;
        if (!dominated) front.push_back(i);
    }
    std::stable_sort(front.begin(), front.end(),
                     [&](size_t a, size_t b) { return costOf(rows[a], cost) < costOf(rows[b], cost); });
    return front;
}

bool meetsBudget(const SweepRow& row, AccuracyAxis accuracy, double limit) {
    const std::optional<double> a = accuracyOf(row, accuracy);
    if (!a) return false;
    return accuracy == AccuracyAxis::RecallMean ? *a >= limit : *a <= limit;
}

std::optional<size_t> cheapestWithin(const std::vector<SweepRow>& rows, CostAxis cost, AccuracyAxis accuracy,
                                     double limit) {
    std::optional<size_t> best;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (!meetsBudget(rows[i], accuracy, limit)) continue;
        if (!best) {
            best = i;
            continue;
        }
        const double ci = costOf(rows[i], cost), cb = costOf(rows[*best], cost);
        if (ci < cb || (ci == cb && goodness(rows[i], accuracy) > goodness(rows[*best], accuracy))) best = i;
    }
    return best;
}

}  // namespace sparsescope
