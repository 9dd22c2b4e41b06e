#include "ui/heatmap/heatmap_view.h"

#include "ui/heatmap/cell_map.h"

#include "ui/heatmap/heatmap_text.h"
#include "ui/heatmap/rule_palette.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sparsescope::ui {

namespace {

// Below this many screen pixels per token an axis shows numbers, above it tokens.
constexpr double kPixelsPerLabelX = 14.0;
constexpr double kPixelsPerLabelY = 13.0;
constexpr double kMinVisibleTokens = 4.0;
// Log scale spans this many decades below the largest cell.
constexpr double kLogDecades = 4.0;

QCPColorGradient maskGradient() {
    QCPColorGradient g;
    g.setLevelCount(kCatCount);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    QMap<double, QColor> stops;
    for (int c = 0; c < kCatCount; ++c) stops[double(c) / double(kCatCount - 1)] = categoryColor(c);
    g.setColorStops(stops);
    return g;
}

QCPColorGradient massGradient() {
    QCPColorGradient g;
    g.setLevelCount(256);
    QMap<double, QColor> stops;
    for (int i = 0; i <= 20; ++i) stops[i / 20.0] = massColor(i / 20.0);
    g.setColorStops(stops);
    // Cells with no causal pair (j > i everywhere in them) are NaN: drawn like the mask's "not causal".
    g.setNanHandling(QCPColorGradient::nhNanColor);
    g.setNanColor(categoryColor(kCatOutside));
    return g;
}

QCPRange clampRange(QCPRange r, int64_t n) {
    const double lo = -0.5, hi = double(n) - 0.5;
    const double full = hi - lo;
    double size = std::clamp(r.size(), std::min(kMinVisibleTokens, full), full);
    double center = r.center();
    center = std::clamp(center, lo + size / 2, hi - size / 2);
    return QCPRange(center - size / 2, center + size / 2);
}

}  // namespace

QString HeatmapView::modeName(Mode m) {
    switch (m) {
    case MaskMode: return tr("Mask by rule");
    case DenseMode: return tr("Dense attention");
    case SparseMode: return tr("Sparse attention");
    case DroppedMode: return tr("Dropped mass");
    case ModeCount: break;
    }
    return {};
}

HeatmapView::HeatmapView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    modeBox_ = new QComboBox;
    for (int m = 0; m < ModeCount; ++m) modeBox_->addItem(modeName(static_cast<Mode>(m)));
    modeBox_->setItemData(MaskMode, tr("Kept pairs coloured by the rule that kept them; grey: dropped."), Qt::ToolTipRole);
    modeBox_->setItemData(DenseMode, tr("The head's dense attention probabilities p_ij."), Qt::ToolTipRole);
    modeBox_->setItemData(SparseMode, tr("The sparse softmax: p_ij renormalised over the kept keys."), Qt::ToolTipRole);
    modeBox_->setItemData(DroppedMode, tr("The dense weight the pattern throws away: where accuracy goes."), Qt::ToolTipRole);
    connect(modeBox_, &QComboBox::currentIndexChanged, this, [this](int m) { setMode(static_cast<Mode>(m)); });
    logBox_ = new QCheckBox(tr("Log scale"));
    connect(logBox_, &QCheckBox::toggled, this, &HeatmapView::setLogScale);
    auto* reset = new QPushButton(tr("Reset zoom"));
    reset->setToolTip(tr("Show every token (wheel: zoom, drag: pan)."));
    connect(reset, &QPushButton::clicked, this, &HeatmapView::resetZoom);
    caption_ = new QLabel;
    bar->addWidget(new QLabel(tr("View")));
    bar->addWidget(modeBox_);
    bar->addWidget(logBox_);
    bar->addWidget(reset);
    bar->addStretch(1);
    bar->addWidget(caption_);
    layout->addLayout(bar);

    plot_ = new QCustomPlot(this);
    plot_->setMinimumSize(300, 300);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->xAxis->setLabel(tr("key position j"));
    plot_->yAxis->setLabel(tr("query position i"));
    plot_->xAxis->setTickLabelRotation(0);
    map_ = addCellMap(plot_);
    scale_ = new QCPColorScale(plot_);
    scale_->setType(QCPAxis::atRight);
    scale_->setBarWidth(10);
    plot_->plotLayout()->addElement(0, 1, scale_);
    map_->setColorScale(scale_);
    margins_ = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins_);
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &HeatmapView::onRangeChanged);
    connect(plot_->yAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, &HeatmapView::onRangeChanged);
    connect(plot_, &QCustomPlot::mouseMove, this, &HeatmapView::onMouseMove);
    layout->addWidget(plot_, 1);

    legend_ = new QLabel;
    legend_->setWordWrap(true);
    layout->addWidget(legend_);
    setMode(MaskMode);
}

void HeatmapView::setStage(const HeadStagePtr& stage) {
    const bool newShape = !stage_ || !stage || stage_->workload != stage->workload;
    stage_ = stage;
    if (stage_) {
        caption_->setText(tr("layer %1 · head %2 · %3 tokens")
                              .arg(stage_->selection.layer).arg(stage_->selection.head).arg(stage_->workload->n()));
    }
    if (newShape) resetZoom();  // also redraws
    else redraw();
    updateLegend();
}

void HeatmapView::clear() {
    stage_.reset();
    grid_ = {};
    map_->data()->clear();
    caption_->clear();
    plot_->replot();
}

void HeatmapView::setMode(Mode mode) {
    mode_ = mode;
    if (modeBox_->currentIndex() != mode) {
        QSignalBlocker block(modeBox_);
        modeBox_->setCurrentIndex(mode);
    }
    map_->setGradient(mode == MaskMode ? maskGradient() : massGradient());
    scale_->setVisible(mode != MaskMode);
    // A hidden colour scale keeps its last margins; in the group it would hold the
    // axis rect's bottom margin at whatever it once was (e.g. rotated token labels).
    scale_->setMarginGroup(QCP::msBottom | QCP::msTop, mode == MaskMode ? nullptr : margins_);
    logBox_->setEnabled(mode != MaskMode);
    plot_->plotLayout()->setColumnStretchFactor(1, mode == MaskMode ? 0.001 : 0.05);
    redraw();
    updateLegend();
    emit modeChanged(mode);
}

void HeatmapView::setLogScale(bool log) {
    log_ = log;
    if (logBox_->isChecked() != log) {
        QSignalBlocker block(logBox_);
        logBox_->setChecked(log);
    }
    redraw();
}

void HeatmapView::setViewWindow(int64_t row0, int64_t row1, int64_t col0, int64_t col1) {
    adjusting_ = true;
    plot_->xAxis->setRange(double(col0) - 0.5, double(col1) - 0.5);
    plot_->yAxis->setRange(double(row0) - 0.5, double(row1) - 0.5);
    adjusting_ = false;
    redraw();
}

void HeatmapView::resetZoom() {
    const int64_t n = stage_ ? stage_->workload->n() : 1;
    setViewWindow(0, n, 0, n);
}

void HeatmapView::showQueryRow(int64_t row) {
    if (!stage_) return;
    const int64_t n = stage_->workload->n();
    const int64_t rows = std::min<int64_t>(n, 64);
    const int64_t row0 = std::clamp<int64_t>(row - rows / 2, 0, n - rows);
    setViewWindow(row0, row0 + rows, 0, n);
}

void HeatmapView::onRangeChanged() {
    if (adjusting_ || !stage_) return;
    adjusting_ = true;
    const int64_t n = stage_->workload->n();
    plot_->xAxis->setRange(clampRange(plot_->xAxis->range(), n));
    plot_->yAxis->setRange(clampRange(plot_->yAxis->range(), n));
    adjusting_ = false;
    scheduleRedraw();
}

void HeatmapView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    if (stage_) scheduleRedraw();  // more or fewer pixels: another cell count
}

void HeatmapView::scheduleRedraw() {
    if (redrawPending_) return;
    redrawPending_ = true;
    QTimer::singleShot(0, this, [this] {
        redrawPending_ = false;
        redraw();
    });
}

void HeatmapView::redraw() {
    if (!stage_) {
        plot_->replot();
        return;
    }
    const Workload& w = *stage_->workload;
    const int64_t n = w.n();
    const QCPRange xr = plot_->xAxis->range(), yr = plot_->yAxis->range();
    HeatmapWindow win;
    win.col0 = std::clamp<int64_t>(int64_t(std::floor(xr.lower + 0.5)), 0, n - 1);
    win.col1 = std::clamp<int64_t>(int64_t(std::ceil(xr.upper - 0.5)) + 1, win.col0 + 1, n);
    win.row0 = std::clamp<int64_t>(int64_t(std::floor(yr.lower + 0.5)), 0, n - 1);
    win.row1 = std::clamp<int64_t>(int64_t(std::ceil(yr.upper - 0.5)) + 1, win.row0 + 1, n);
    const QRect rect = plot_->axisRect()->rect();
    win.maxCellsX = std::max(64, rect.width());
    win.maxCellsY = std::max(64, rect.height());
    if (mode_ == MaskMode) {
        grid_ = downsampleRules(*stage_->mask, win);
    } else {
        const MassQuantity q = mode_ == DenseMode    ? MassQuantity::Dense
                               : mode_ == SparseMode ? MassQuantity::Sparse
                                                     : MassQuantity::Dropped;
        grid_ = downsampleMass(stage_->probs->data(), *stage_->mask, stage_->metrics.rowRecall, q, win);
    }

    // Cells are uniform in token units: cell x is centred at col0 - 0.5 + (x + 0.5) * width.
    // A single cell is drawn as two identical halves (QCPColorMapData needs two to have a width).
    const int cx = int(grid_.cellsX), cy = int(grid_.cellsY);
    const QSize size = shapeCellMap(map_, grid_);
    const int dx = size.width(), dy = size.height();
    QCPColorMapData* data = map_->data();
    float top = 0.0f;
    for (float v : grid_.values) top = std::max(top, v);
    const double upper = top > 0 ? double(top) : 1.0;
    const double lower = log_ ? upper * std::pow(10.0, -kLogDecades) : 0.0;
    const int64_t spanX = grid_.col1 - grid_.col0, spanY = grid_.row1 - grid_.row0;
    const bool causal = stage_->mask->causal;
    for (int y = 0; y < dy; ++y) {
        const int64_t gy = y * cy / dy;
        const int64_t lastRow = grid_.row0 + ((gy + 1) * spanY + cy - 1) / cy - 1;
        for (int x = 0; x < dx; ++x) {
            const int64_t gx = x * cx / dx;
            const double v = grid_.at(gx, gy);
            const int64_t firstCol = grid_.col0 + (gx * spanX + cx - 1) / cx;
            if (mode_ == MaskMode) {
                // Categories sit a quarter level above their index so truncation picks them exactly.
                data->setCell(x, y, v + 0.25);
            } else if (causal && firstCol > lastRow) {
                data->setCell(x, y, std::numeric_limits<double>::quiet_NaN());
            } else {
                data->setCell(x, y, log_ ? std::max(v, lower) : v);
            }
        }
    }
    if (mode_ == MaskMode) {
        map_->setDataScaleType(QCPAxis::stLinear);
        map_->setDataRange(QCPRange(0, kCatCount - 1));
    } else {
        map_->setDataScaleType(log_ ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        map_->setDataRange(QCPRange(lower, upper));
        scale_->axis()->setLabel(grid_.colsPerCell() * grid_.rowsPerCell() > 1.0 ? tr("mass per cell") : tr("weight"));
        if (log_) scale_->axis()->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        else scale_->axis()->setTicker(QSharedPointer<QCPAxisTicker>::create());
    }
    updateTicks(grid_.row0, grid_.row1, grid_.col0, grid_.col1);
    plot_->replot();
    // The replot lays the plot out again (tick label widths, the colour scale): when that
    // changes the axis rect, the grid no longer has one cell per pixel, and drawing it
    // scaled would drop whole columns (a 4-token sink strip at 1024 tokens). Plan again.
    if (plot_->axisRect()->rect().size() != rect.size() && relayouts_ < 2) {
        ++relayouts_;
        redraw();
        return;
    }
    relayouts_ = 0;
    emit redrawn();
}

void HeatmapView::updateTicks(int64_t row0, int64_t row1, int64_t col0, int64_t col1) {
    const Workload& w = *stage_->workload;
    const QRect rect = plot_->axisRect()->rect();
    const bool xTokens = double(std::max(1, rect.width())) / double(col1 - col0) >= kPixelsPerLabelX;
    const bool yTokens = double(std::max(1, rect.height())) / double(row1 - row0) >= kPixelsPerLabelY;
    tokenLabels_ = xTokens || yTokens;
    auto apply = [&](QCPAxis* axis, bool tokens, int64_t a, int64_t b) {
        if (!tokens) {
            if (axis->ticker().dynamicCast<QCPAxisTickerText>()) axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
            axis->setTickLabelRotation(0);
            return;
        }
        auto ticker = QSharedPointer<QCPAxisTickerText>::create();
        for (int64_t t = a; t < b; ++t)
            ticker->addTick(double(t), displayToken(w.tokens[size_t(t)]) + QStringLiteral(" ·") + QString::number(t));
        axis->setTicker(ticker);
        axis->setTickLabelRotation(axis == plot_->xAxis ? 90 : 0);
    };
    apply(plot_->xAxis, xTokens, col0, col1);
    apply(plot_->yAxis, yTokens, row0, row1);
}

void HeatmapView::updateLegend() {
    legend_->setText(legendText());
}

QString HeatmapView::legendText() const {
    if (mode_ != MaskMode) {
        switch (mode_) {
        case DenseMode: return tr("Colour: dense attention weight (summed per cell when zoomed out).");
        case SparseMode: return tr("Colour: sparse softmax weight, dense weight renormalised over the kept keys.");
        case DroppedMode: return tr("Colour: dense weight of the dropped pairs — the mass the pattern loses.");
        default: return {};
        }
    }
    std::vector<bool> present(kCatCount, false);
    present[kCatDropped] = true;
    if (stage_)
        for (uint16_t r : stage_->mask->rules) present[size_t(ruleCategory(r))] = true;
    QString html;
    for (int c = kCatDropped; c < kCatCount; ++c) {
        if (!present[size_t(c)]) continue;
        html += QStringLiteral("<span style='color:%1; font-size:14pt'>■</span>&nbsp;%2&nbsp;&nbsp;&nbsp;")
                    .arg(categoryColor(c).name(), categoryName(c));
    }
    return html;
}

QString HeatmapView::toolTipAt(int64_t query, int64_t key) const {
    return stage_ ? heatmapToolTip(*stage_, query, key) : QString();
}

void HeatmapView::onMouseMove(QMouseEvent* event) {
    if (!stage_) return;
    const double x = plot_->xAxis->pixelToCoord(event->position().x());
    const double y = plot_->yAxis->pixelToCoord(event->position().y());
    if (!plot_->axisRect()->rect().contains(event->position().toPoint())) {
        QToolTip::hideText();
        return;
    }
    const QString text = toolTipAt(int64_t(std::lround(y)), int64_t(std::lround(x)));
    if (text.isEmpty()) QToolTip::hideText();
    else QToolTip::showText(event->globalPosition().toPoint(), text, plot_);
}

}  // namespace sparsescope::ui
