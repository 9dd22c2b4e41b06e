#pragma once
// Reachability (issue 6): the selected head's mask applied in every one of L layers;
// a heatmap of the first layer after which each key can influence each query
// (core/explore/reachability.h), downsampled to at most one cell per pixel, and the
// summary "full context reached after k layers". L defaults to the model's layer
// count. Computed off the UI thread; a newer request wins.
#include "core/explore/reachability.h"
#include "ui/controller/analysis_results.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QLabel;
class QSpinBox;

namespace sparsescope::ui {

class ReachabilityView : public QWidget {
    Q_OBJECT
public:
    explicit ReachabilityView(QWidget* parent = nullptr);
    ~ReachabilityView() override;

    void setStage(const HeadStagePtr& stage);
    void setLayers(int layers);  // 1 .. 255
    int layers() const;

    // For tests and screenshots.
    std::shared_ptr<const Reachability> result() const { return result_; }
    HeadStagePtr stage() const { return stage_; }
    const HeatmapGrid& grid() const { return grid_; }
    QCustomPlot* plot() const { return plot_; }
    QString summaryText() const;
    bool isComputing() const { return computing_; }

    // "full context reached after 3 layers" / "not within 2 layers: ..."; public for the docs' tests.
    static QString summarize(const Reachability& r);

signals:
    void computed();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void recompute();
    void redraw();

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QSpinBox* layersBox_ = nullptr;
    QLabel* summary_ = nullptr;
    HeadStagePtr stage_;
    std::shared_ptr<const SparseMask> computedMask_;
    int computedLayers_ = 0;
    std::shared_ptr<const Reachability> result_;
    HeatmapGrid grid_;
    std::unique_ptr<QFutureWatcher<std::shared_ptr<const Reachability>>> watcher_;
    uint64_t request_ = 0;
    bool computing_ = false;
    bool userLayers_ = false;  // the user chose L: keep it across workloads of the same depth
    int modelLayers_ = 0;
};

}  // namespace sparsescope::ui
