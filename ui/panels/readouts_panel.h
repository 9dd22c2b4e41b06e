#pragma once
// The live readouts: compute and attention-level accuracy for the selected head,
// its layer and the whole model (three columns), the model-level loss with a
// progress bar and a stale marker, and the accuracy budget that colours them.
#include "ui/controller/analysis_results.h"
#include "ui/panels/readout_format.h"

#include <QWidget>

#include <array>

class QLabel;
class QProgressBar;
class QDoubleSpinBox;

namespace sparsescope::ui {

class ReadoutsPanel : public QWidget {
    Q_OBJECT
public:
    enum Column { HeadColumn, LayerColumn, ModelColumn, ColumnCount };

    explicit ReadoutsPanel(QWidget* parent = nullptr);

    void setHead(const HeadStagePtr& stage);
    void setLayer(const LayerStagePtr& stage);
    void setModel(const ModelAttentionStagePtr& stage);
    // A new request was made: the layer and model columns wait for their stage.
    void markPending();

    void setEvalStale();
    void setEvalRunning();
    void setEvalProgress(int done, int total);
    void setEval(const ModelEvalStagePtr& stage);
    void setEvalUnavailable(const QString& why);
    void clear();

    void setBudget(const AccuracyBudget& budget);
    const AccuracyBudget& budget() const { return budget_; }

    // For tests and the latency benchmark.
    QString cellText(Figure f, Column c) const;
    QString evalText(EvalFigure f) const;
    // true / false: coloured within / outside the budget; nullopt: not judged.
    std::optional<bool> cellVerdict(Figure f, Column c) const;
    bool isEvalStale() const { return evalStale_; }
    bool isColumnPending(Column c) const { return pending_[size_t(c)]; }
    uint64_t headGeneration() const { return headGeneration_; }

signals:
    void budgetChanged(const sparsescope::ui::AccuracyBudget& budget);

private:
    QWidget* buildBudgetEditor();
    void showColumn(Column c, const HeadMetrics* m);
    void showEval();
    void restyle();

    std::array<std::array<QLabel*, size_t(Figure::Count)>, ColumnCount> cells_{};
    std::array<QLabel*, ColumnCount> headers_{};
    std::array<QLabel*, size_t(Figure::Count)> names_{};
    std::array<QLabel*, size_t(EvalFigure::Count)> evalCells_{};
    std::array<std::optional<HeadMetrics>, ColumnCount> shown_{};
    std::array<bool, ColumnCount> pending_{};
    std::optional<ModelEval> evalShown_;
    QLabel* evalStatus_ = nullptr;
    QProgressBar* evalProgress_ = nullptr;
    bool evalStale_ = false;
    uint64_t headGeneration_ = 0;
    AccuracyBudget budget_;
    std::array<QDoubleSpinBox*, 7> budgetSpins_{};
};

}  // namespace sparsescope::ui
