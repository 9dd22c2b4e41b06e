#pragma once
// Side-by-side comparison of two patterns on the selected head: pattern A (the
// main window's pattern, delivered as the controller's head stage) and pattern B
// (chosen here from the presets, with its own spin boxes, or copied from A).
// Three pictures at the same scale — A's mask and B's mask coloured by rule, and
// their difference (kept by A only / B only / both) — and both readout sets.
// B's mask, metrics and all pictures are computed on a worker; a newer request
// (head, pattern or size change) makes older results stale and they are dropped.
// Pictures are downsampled by core/heatmap to at most one cell per pixel.
#include "ui/controller/analysis_results.h"
#include "ui/panels/readout_format.h"
#include "ui/views/compare_pipeline.h"

#include <QThreadPool>
#include <QWidget>

#include <array>
#include <atomic>
#include <memory>

class QCustomPlot;
class QCPColorMap;
class QLabel;

namespace sparsescope::ui {

class CompactPatternEditor;

class CompareView : public QWidget {
    Q_OBJECT
public:
    enum Side { SideA, SideB };
    enum Picture { PictureA, PictureB, PictureDiff, PictureCount };

    explicit CompareView(QWidget* parent = nullptr);
    ~CompareView() override;

    void setStage(const HeadStagePtr& a);  // pattern A on the selected head
    void setPatternB(const PatternSpec& b);
    PatternSpec patternB() const;
    void copyCurrent();  // B = A's pattern
    // Shows query rows [row0, row1) x key columns [col0, col1) in all three pictures
    // (wheel zoom and drag pan in any of them do the same); resetZoom shows every token.
    void setViewWindow(int64_t row0, int64_t row1, int64_t col0, int64_t col1);
    void resetZoom();

    // The latest shown comparison (null until one arrives) and, for tests and
    // screenshots, what the view shows.
    std::shared_ptr<const Comparison> comparison() const { return shown_; }
    bool isPending() const { return pending_; }
    QString readoutText(Figure f, Side side) const;
    QString countsText() const;
    QString diffLegendText() const;
    QString ruleLegendText() const;
    QString statusText() const;
    QCustomPlot* plot(Picture p) const { return plots_[size_t(p)]; }
    QCPColorMap* colorMap(Picture p) const { return maps_[size_t(p)]; }
    CompactPatternEditor* editorB() const { return editor_; }
    static QString diffClassName(int cls);
    static QColor diffClassColor(int cls);

signals:
    void comparisonReady();
    void comparisonFailed(const QString& problem);

protected:
    void resizeEvent(QResizeEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void request(bool keepB);
    void scheduleResizeRequest();
    void showComparison(const std::shared_ptr<const Comparison>& c);
    void showReadouts();
    HeatmapWindow pictureWindow() const;
    void onRangeChanged(QCustomPlot* source);
    bool adjusting_ = false;

    CompactPatternEditor* editor_ = nullptr;
    std::array<QCustomPlot*, PictureCount> plots_{};
    std::array<QCPColorMap*, PictureCount> maps_{};
    std::array<QLabel*, PictureCount> titles_{};
    std::array<std::array<QLabel*, 2>, 7> readouts_{};
    QLabel* counts_ = nullptr;
    QLabel* ruleLegend_ = nullptr;
    QLabel* diffLegend_ = nullptr;
    QLabel* status_ = nullptr;

    HeadStagePtr a_;
    std::shared_ptr<const Comparison> shown_;
    bool pending_ = false;
    bool resizePending_ = false;
    bool dirty_ = false;  // a request was skipped while hidden
    QThreadPool pool_;
    std::atomic<uint64_t> generation_{0};
};

}  // namespace sparsescope::ui
