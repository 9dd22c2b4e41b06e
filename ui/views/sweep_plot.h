#pragma once
// Draws sweep results into a QCustomPlot: one line per curve (x = cost, y =
// accuracy, points in row order), the points within the budget filled, the current
// setting ringed, the budget as a dashed line, curve 0's points labelled with their
// value. Kept apart from SweepView so the view holds the behaviour and this file
// the looks.
#include "core/explore/sweep.h"
#include "ui/controller/analysis_results.h"

#include <QString>

#include <optional>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPCurve;

namespace sparsescope::ui {

struct SweepPlotInput {
    const std::vector<SweepResult>* results = nullptr;
    CostAxis cost = CostAxis::Density;
    AccuracyAxis accuracy = AccuracyAxis::RecallMean;
    double budgetLimit = 0.95;
    PatternSpec current;
    LayerSet currentLayers;
    QString paramLabel;
    bool stale = false;
};

struct SweepPlotOutput {
    std::vector<QCPCurve*> curves;                    // one per result, same order
    std::optional<std::pair<int, int>> current;       // (curve, row) drawn as the current setting
    std::vector<std::pair<int, int>> withinBudget;    // (curve, row) filled as within budget
};

SweepPlotOutput drawSweepPlot(QCustomPlot* plot, const SweepPlotInput& in);

}  // namespace sparsescope::ui
