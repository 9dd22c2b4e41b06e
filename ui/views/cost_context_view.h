#pragma once
// Cost against context length (issue 6): log-log curves from 1k to 1M tokens of the
// attention FLOPs and KV bytes read per decoded token, dense vs the current pattern,
// with the crossovers marked; below them the attention share of the whole model's
// FLOPs per decoded token and the whole-model speed-up, for the loaded model's config
// (a Q/K/V set has no config: attention only, and the view says so). Everything comes
// from core/explore/context_cost.h, computed off the UI thread.
#include "core/explore/context_cost.h"
#include "ui/controller/analysis_results.h"

#include <QFutureWatcher>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>

class QCustomPlot;
class QCPAxisRect;
class QLabel;

namespace sparsescope::ui {

class CostContextView : public QWidget {
    Q_OBJECT
public:
    explicit CostContextView(QWidget* parent = nullptr);
    ~CostContextView() override;

    // The model (for the shape and the whole-model figures) and the pattern; each
    // starts a computation unless nothing changed.
    void setWorkload(const WorkloadPtr& workload);
    void setPattern(const PatternSpec& pattern);

    // For tests and screenshots.
    const std::optional<ContextCostCurves>& curves() const { return curves_; }
    const std::vector<int64_t>& grid() const { return grid_; }
    QCustomPlot* plot() const { return plot_; }
    QString summaryText() const;
    // One or two sentences for the Explain panel: decode crossovers, model speed-up at 100k.
    QString headline() const;
    bool isComputing() const { return computing_; }

    // Graph indices in plot(): what each curve shows (all per decoded token).
    enum Curve { FlopsDense, FlopsPattern, BytesDense, BytesPattern, ShareDense, SharePattern, ModelSpeedup, CurveCount };

signals:
    void computed();  // new curves are drawn

private:
    void recompute();
    void show(const ContextCostCurves& c);
    void markCrossovers(const ContextCostCurves& c);

    QCustomPlot* plot_ = nullptr;
    QCPAxisRect* costRect_ = nullptr;
    QCPAxisRect* shareRect_ = nullptr;
    QLabel* title_ = nullptr;
    QLabel* summary_ = nullptr;
    WorkloadPtr workload_;
    std::optional<PatternSpec> pattern_;
    std::optional<ContextCostCurves> curves_;
    std::vector<int64_t> grid_;
    std::unique_ptr<QFutureWatcher<std::shared_ptr<ContextCostCurves>>> watcher_;
    uint64_t request_ = 0;
    bool computing_ = false;
    QTimer debounce_;  // a slider drag starts one computation when it rests, not one per step
};

}  // namespace sparsescope::ui
