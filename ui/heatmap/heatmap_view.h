#pragma once
// The heatmap of the selected head: query rows (top to bottom) x key columns, in
// four views: the mask coloured by the rule that kept each pair (with a legend),
// dense attention, sparse attention and dropped mass. Linear or log colour
// scale; wheel zoom and drag pan; token text on the axes once zoomed in enough
// to read; a tooltip per pair. Only the visible window is drawn, downsampled by
// core/heatmap to at most one cell per screen pixel (max per block for the mask,
// sum for mass), so no n x n image is ever built.
#include "core/heatmap/heatmap_grid.h"
#include "ui/controller/analysis_results.h"

#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPMarginGroup;
class QComboBox;
class QCheckBox;
class QLabel;
class QMouseEvent;

namespace sparsescope::ui {

class HeatmapView : public QWidget {
    Q_OBJECT
public:
    enum Mode { MaskMode, DenseMode, SparseMode, DroppedMode, ModeCount };

    explicit HeatmapView(QWidget* parent = nullptr);

    void setStage(const HeadStagePtr& stage);
    void clear();
    void setMode(Mode mode);
    Mode mode() const { return mode_; }
    void setLogScale(bool log);
    bool logScale() const { return log_; }
    // Shows query rows [row0, row1) x key columns [col0, col1).
    void setViewWindow(int64_t row0, int64_t row1, int64_t col0, int64_t col1);
    void resetZoom();
    static QString modeName(Mode m);

    // For tests and screenshots.
    const HeatmapGrid& grid() const { return grid_; }
    QCustomPlot* plot() const { return plot_; }
    QCPColorMap* colorMap() const { return map_; }
    QString legendText() const;
    bool showsTokenLabels() const { return tokenLabels_; }
    QString toolTipAt(int64_t query, int64_t key) const;
    HeadStagePtr stage() const { return stage_; }

signals:
    void modeChanged(int mode);
    void redrawn();  // after each replot of new data (the latency benchmark listens)

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void redraw();
    int relayouts_ = 0;  // redraws in a row because the replot moved the axis rect
    void scheduleRedraw();
    void onRangeChanged();
    void onMouseMove(QMouseEvent* event);
    void updateTicks(int64_t row0, int64_t row1, int64_t col0, int64_t col1);
    void updateLegend();

    QCustomPlot* plot_ = nullptr;
    QCPColorMap* map_ = nullptr;
    QCPColorScale* scale_ = nullptr;
    QCPMarginGroup* margins_ = nullptr;
    QComboBox* modeBox_ = nullptr;
    QCheckBox* logBox_ = nullptr;
    QLabel* legend_ = nullptr;
    QLabel* caption_ = nullptr;
    HeadStagePtr stage_;
    HeatmapGrid grid_;
    Mode mode_ = MaskMode;
    bool log_ = false;
    bool tokenLabels_ = false;
    bool redrawPending_ = false;
    bool adjusting_ = false;
};

}  // namespace sparsescope::ui
