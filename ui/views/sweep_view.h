#pragma once
// The Pareto sweep view: compute (density or FLOPs share) against accuracy (recall,
// or Δloss from the model level) while one pattern parameter steps over a range, on
// the loaded workload. Curve 0 sweeps the current pattern (its current value always
// among the points, drawn highlighted); further curves sweep chosen presets. Points
// within the readouts' accuracy budget are filled; clicking a point emits
// pointApplied with that point's pattern (MainWindow routes it to the pattern
// controls). The sweep is core's runSweep, run on a ViewJob off the UI thread;
// a change of workload, of the pattern's other rules or of the layers marks the
// shown result stale and drops a running one.
#include "core/explore/sweep.h"
#include "ui/controller/analysis_results.h"
#include "ui/panels/readout_format.h"

#include <QPointF>
#include <QVector>
#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QCPAbstractPlottable;
class QCustomPlot;
class QCPCurve;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QToolButton;

namespace sparsescope::ui {

class AnalysisController;
class ViewJob;

class SweepView : public QWidget {
    Q_OBJECT
public:
    explicit SweepView(AnalysisController* controller, QWidget* parent = nullptr);
    ~SweepView() override;

    void setParam(const QString& name);  // refills the values with the default range
    QString param() const;
    void setValues(const std::vector<double>& values);
    std::vector<double> values() const;  // as typed; throws Error when they are not numbers
    void setOverlayPresets(const QStringList& names);
    QStringList overlayPresets() const;
    void setCostAxis(CostAxis axis);
    void setAccuracyAxis(AccuracyAxis axis);  // LossDelta needs a model; runs the model level
    CostAxis costAxis() const { return cost_; }
    AccuracyAxis accuracyAxis() const { return accuracy_; }
    void setBudget(const AccuracyBudget& budget);

    void run();
    void cancel();
    bool isRunning() const;
    bool isStale() const { return stale_; }

    // What is shown: one SweepResult per curve (curve 0 = the current pattern).
    const std::vector<SweepResult>& results() const { return results_; }
    // The (x, y) drawn for a curve, in row order.
    QVector<QPointF> plottedPoints(int curve) const;
    // (curve, row) of the points drawn as the current setting / within the budget.
    std::optional<std::pair<int, int>> currentPoint() const { return current_; }
    std::vector<std::pair<int, int>> budgetPoints() const { return withinBudget_; }
    // Applies a point as a user's click does.
    void applyPoint(int curve, int row);

    QCustomPlot* plot() const { return plot_; }
    QString statusText() const;

    // Export: core's CSV columns (every curve, "preset" tells them apart) and JSON
    // {"cost_axis", "accuracy_axis", "sweeps": [core's sweepToJson per curve]}.
    QString toCsv() const;
    QByteArray toJson() const;

signals:
    void pointApplied(const sparsescope::PatternSpec& spec);
    void sweepStarted();
    void sweepProgress(int done, int total);
    void sweepFinished();
    void sweepFailed(const QString& problem);

private:
    void buildControls();
    void onWorkloadChanged();
    void onPatternChanged();
    void onPlottableClick(QCPAbstractPlottable* plottable, int dataIndex);
    void markStale(const QString& why);
    void redraw();
    bool modelLevel() const { return accuracy_ == AccuracyAxis::LossDelta; }

    AnalysisController* controller_;
    ViewJob* job_;
    QComboBox* paramBox_ = nullptr;
    QLineEdit* valuesEdit_ = nullptr;
    QToolButton* presetsButton_ = nullptr;
    QComboBox* costBox_ = nullptr;
    QComboBox* accuracyBox_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    std::vector<QCPCurve*> curves_;

    std::vector<SweepResult> results_;
    WorkloadPtr sweptWorkload_;   // the workload results_ came from
    bool resultModelLevel_ = false;
    CostAxis cost_ = CostAxis::Density;
    AccuracyAxis accuracy_ = AccuracyAxis::RecallMean;
    AccuracyBudget budget_;
    std::optional<std::pair<int, int>> current_;
    std::vector<std::pair<int, int>> withinBudget_;
    bool stale_ = false;
    QString staleWhy_;
};

}  // namespace sparsescope::ui
