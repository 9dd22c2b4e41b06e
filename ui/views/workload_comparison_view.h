#pragma once
// The workload comparison view: the current pattern (and its layers) on every
// bundled sample or every text file of a folder, as a table
// (WorkloadComparisonModel) and a bar chart of recall and Δ loss per workload, the
// passkey / key-value tasks marked retrieved or lost. The comparison is core's
// compareWorkloads on the loaded model, run on a ViewJob off the UI thread; a new
// pattern or workload marks the result stale and drops a running one.
#include "core/explore/workload_comparison.h"

#include <QWidget>

#include <memory>

class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace sparsescope::ui {

class AnalysisController;
class ViewJob;
class WorkloadComparisonModel;

class WorkloadComparisonView : public QWidget {
    Q_OBJECT
public:
    explicit WorkloadComparisonView(AnalysisController* controller, QWidget* parent = nullptr);
    ~WorkloadComparisonView() override;

    void setSamplesDir(const QString& dir);
    void setFolder(const QString& folder);  // empty: the bundled samples
    QString folder() const { return folder_; }
    void setMaxTokens(int tokens);
    int maxTokens() const;

    void run();
    void cancel();
    bool isRunning() const;
    bool isStale() const { return stale_; }

    std::shared_ptr<const WorkloadComparison> comparison() const;
    WorkloadComparisonModel* model() const { return model_; }
    QTableView* table() const { return table_; }
    QCustomPlot* plot() const { return plot_; }
    QString statusText() const;

    // Export: core's comparison CSV / JSON.
    QString toCsv() const;
    QByteArray toJson() const;

signals:
    void comparisonStarted();
    void comparisonProgress(int done, int total);
    void comparisonFinished();
    void comparisonFailed(const QString& problem);

private:
    void pickFolder();
    void onInputsChanged();
    void redrawChart();

    AnalysisController* controller_;
    ViewJob* job_;
    WorkloadComparisonModel* model_;
    QComboBox* sourceBox_ = nullptr;
    QSpinBox* maxTokens_ = nullptr;
    QPushButton* runButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QTableView* table_ = nullptr;
    QCustomPlot* plot_ = nullptr;
    QString samplesDir_;
    QString folder_;
    bool stale_ = false;
};

}  // namespace sparsescope::ui
