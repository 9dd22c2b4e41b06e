#include "ui/views/compare_view.h"

#include "ui/heatmap/cell_map.h"

#include "core/common/error.h"
#include "core/pattern/presets.h"
#include "ui/heatmap/rule_palette.h"
#include "ui/views/compact_pattern_editor.h"

#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

namespace sparsescope::ui {

namespace {

constexpr Figure kFigures[] = {Figure::Density, Figure::FlopsRatio, Figure::RecallMean, Figure::RecallMin,
                               Figure::Kl,      Figure::OutputError, Figure::Top1Retention};

// Categorical gradient: level c is exactly colour(c) (values sit at c + 0.25).
QCPColorGradient categoryGradient(int count, QColor (*colour)(int)) {
    QCPColorGradient g;
    g.setLevelCount(count);
    g.setColorInterpolation(QCPColorGradient::ciRGB);
    QMap<double, QColor> stops;
    for (int c = 0; c < count; ++c) stops[double(c) / double(count - 1)] = colour(c);
    g.setColorStops(stops);
    return g;
}

QColor ruleColour(int c) { return categoryColor(c); }

// The grid's categories, one data cell per grid cell (shapeCellMap).
void fillMap(QCPColorMap* map, const HeatmapGrid& g, int categories) {
    const int cx = int(g.cellsX), cy = int(g.cellsY);
    const QSize size = shapeCellMap(map, g);
    const int dx = size.width(), dy = size.height();
    QCPColorMapData* data = map->data();
    for (int y = 0; y < dy; ++y)
        for (int x = 0; x < dx; ++x) data->setCell(x, y, g.at(x * cx / dx, y * cy / dy) + 0.25);
    map->setDataRange(QCPRange(0, categories - 1));
}

// "StreamingLLM (sinks + window)" for an unchanged preset, else the rules in short.
QString describePattern(const PatternSpec& s) {
    for (const PresetInfo& p : builtinPresets())
        if (p.name == s.preset && sameRules(p.spec, s)) return QString::fromStdString(p.title);
    if (s.dense) return CompareView::tr("Dense");
    QStringList parts;
    auto add = [&parts](const char* name, int64_t v) {
        if (v > 0) parts << QStringLiteral("%1 %2").arg(QString::fromLatin1(name)).arg(v);
    };
    add("window", s.window);
    add("global", s.global);
    add("stride", s.stride);
    add("random", s.random);
    add("top-k", s.topk);
    add("block top-k", s.blockTopk);
    const QString base = s.preset == "custom" ? CompareView::tr("Custom") : QString::fromStdString(s.preset) + QLatin1Char('*');
    return parts.isEmpty() ? base : base + QStringLiteral(": ") + parts.join(QStringLiteral(", "));
}

// Keeps a range inside the tokens and at least 4 tokens wide (HeatmapView's rule).
QCPRange clampRange(QCPRange r, int64_t n) {
    const double lo = -0.5, hi = double(n) - 0.5, full = hi - lo;
    const double size = std::clamp(r.size(), std::min(4.0, full), full);
    const double center = std::clamp(r.center(), lo + size / 2, hi - size / 2);
    return QCPRange(center - size / 2, center + size / 2);
}

QCustomPlot* makePlot() {
    auto* p = new QCustomPlot;
    p->setMinimumSize(180, 180);
    p->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    p->xAxis->setLabel(CompareView::tr("key j"));
    p->yAxis->setLabel(CompareView::tr("query i"));
    p->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    p->setNoAntialiasingOnDrag(true);
    return p;
}

}  // namespace

QString CompareView::diffClassName(int cls) {
    switch (cls) {
    case kDiffOutside: return tr("not causal");
    case kDiffNeither: return tr("kept by neither");
    case kDiffBoth: return tr("kept by both");
    case kDiffBOnly: return tr("B only");
    case kDiffAOnly: return tr("A only");
    case kDiffMixed: return tr("A only and B only in one cell");
    default: return QStringLiteral("?");
    }
}

QColor CompareView::diffClassColor(int cls) {
    switch (cls) {
    case kDiffOutside: return categoryColor(kCatOutside);
    case kDiffNeither: return categoryColor(kCatDropped);
    case kDiffBoth: return QColor(0x3d, 0x4a, 0x52);
    case kDiffBOnly: return QColor(0x1b, 0x9e, 0x77);
    case kDiffAOnly: return QColor(0xd9, 0x5f, 0x02);
    case kDiffMixed: return QColor(0xe7, 0x29, 0x8a);
    default: return Qt::black;
    }
}

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    pool_.setMaxThreadCount(1);
    auto* outer = new QHBoxLayout(this);

    // Left: pattern B and the readouts of both.
    auto* side = new QVBoxLayout;
    auto* bBox = new QGroupBox(tr("Pattern B"));
    auto* bLayout = new QVBoxLayout(bBox);
    editor_ = new CompactPatternEditor;
    bLayout->addWidget(editor_);
    auto* copy = new QPushButton(tr("Copy current pattern (A)"));
    copy->setToolTip(tr("Start pattern B from the main window's pattern, then change it here."));
    connect(copy, &QPushButton::clicked, this, &CompareView::copyCurrent);
    bLayout->addWidget(copy);
    side->addWidget(bBox);

    auto* rBox = new QGroupBox(tr("Readouts of the selected head"));
    auto* grid = new QGridLayout(rBox);
    grid->setVerticalSpacing(3);
    grid->addWidget(new QLabel(QStringLiteral("<b>A</b>")), 0, 1, Qt::AlignRight);
    grid->addWidget(new QLabel(QStringLiteral("<b>B</b>")), 0, 2, Qt::AlignRight);
    for (size_t f = 0; f < std::size(kFigures); ++f) {
        auto* name = new QLabel(figureName(kFigures[f]));
        name->setToolTip(figureToolTip(kFigures[f]));
        grid->addWidget(name, int(f) + 1, 0);
        for (int s = 0; s < 2; ++s) {
            readouts_[f][size_t(s)] = new QLabel(QStringLiteral("—"));
            readouts_[f][size_t(s)]->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            grid->addWidget(readouts_[f][size_t(s)], int(f) + 1, s + 1);
        }
    }
    counts_ = new QLabel;
    counts_->setWordWrap(true);
    grid->addWidget(counts_, int(std::size(kFigures)) + 1, 0, 1, 3);
    side->addWidget(rBox);
    status_ = new QLabel;
    status_->setWordWrap(true);
    side->addWidget(status_);
    side->addStretch(1);
    outer->addLayout(side, 0);

    // Right: three pictures at the same scale, their titles and the legends.
    auto* right = new QVBoxLayout;
    auto* pics = new QGridLayout;
    for (int p = 0; p < PictureCount; ++p) {
        titles_[size_t(p)] = new QLabel;
        titles_[size_t(p)]->setAlignment(Qt::AlignCenter);
        titles_[size_t(p)]->setWordWrap(true);
        plots_[size_t(p)] = makePlot();
        auto* map = addCellMap(plots_[size_t(p)]);
        map->setGradient(p == PictureDiff ? categoryGradient(kDiffCount, &CompareView::diffClassColor)
                                          : categoryGradient(kCatCount, &ruleColour));
        maps_[size_t(p)] = map;
        QCustomPlot* plot = plots_[size_t(p)];
        for (QCPAxis* axis : {plot->xAxis, plot->yAxis})
            connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, plot] { onRangeChanged(plot); });
        pics->addWidget(titles_[size_t(p)], 0, p);
        pics->addWidget(plots_[size_t(p)], 1, p);
        pics->setColumnStretch(p, 1);
    }
    titles_[PictureDiff]->setText(tr("<b>Difference</b>"));
    right->addLayout(pics, 1);
    auto* reset = new QPushButton(tr("Show every token"));
    reset->setToolTip(tr("Wheel: zoom, drag: pan; the three pictures move together."));
    connect(reset, &QPushButton::clicked, this, &CompareView::resetZoom);
    auto* resetRow = new QHBoxLayout;
    resetRow->addStretch(1);
    resetRow->addWidget(reset);
    right->addLayout(resetRow);
    ruleLegend_ = new QLabel;
    ruleLegend_->setWordWrap(true);
    diffLegend_ = new QLabel;
    diffLegend_->setWordWrap(true);
    right->addWidget(ruleLegend_);
    right->addWidget(diffLegend_);
    outer->addLayout(right, 1);

    connect(editor_, &CompactPatternEditor::specChanged, this, [this] { request(false); });
    editor_->selectPreset(QStringLiteral("strided"));
}

CompareView::~CompareView() {
    ++generation_;
    pool_.waitForDone();
}

void CompareView::setStage(const HeadStagePtr& a) {
    const bool sameHead = a_ && a && a_->workload == a->workload && a_->selection == a->selection;
    const bool newWorkload = a && (!a_ || a_->workload != a->workload);
    a_ = a;
    if (a_ && !sameHead) editor_->setTokenCount(a_->workload->n());
    if (newWorkload) resetZoom();  // also requests
    else request(false);
}

void CompareView::setPatternB(const PatternSpec& b) { editor_->setSpec(b); }

PatternSpec CompareView::patternB() const { return editor_->spec(); }

void CompareView::copyCurrent() {
    if (a_) editor_->setSpec(a_->pattern);
}

void CompareView::setViewWindow(int64_t row0, int64_t row1, int64_t col0, int64_t col1) {
    adjusting_ = true;
    for (QCustomPlot* p : plots_) {
        p->xAxis->setRange(double(col0) - 0.5, double(col1) - 0.5);
        p->yAxis->setRange(double(row0) - 0.5, double(row1) - 0.5);
        p->replot();
    }
    adjusting_ = false;
    request(true);
}

void CompareView::resetZoom() {
    const int64_t n = a_ ? a_->workload->n() : 1;
    setViewWindow(0, n, 0, n);
}

void CompareView::onRangeChanged(QCustomPlot* source) {
    if (adjusting_ || !a_) return;
    adjusting_ = true;
    const int64_t n = a_->workload->n();
    const QCPRange x = clampRange(source->xAxis->range(), n), y = clampRange(source->yAxis->range(), n);
    for (QCustomPlot* p : plots_) {
        p->xAxis->setRange(x);
        p->yAxis->setRange(y);
        if (p != source) p->replot();
    }
    adjusting_ = false;
    scheduleResizeRequest();  // new pictures of the visible window, B kept
}

HeatmapWindow CompareView::pictureWindow() const {
    const int64_t n = a_->workload->n();
    // The visible window of the (shared) axes, rounded like HeatmapView::redraw.
    const QCPRange xr = plots_[PictureA]->xAxis->range(), yr = plots_[PictureA]->yAxis->range();
    HeatmapWindow win;
    win.col0 = std::clamp<int64_t>(int64_t(std::floor(xr.lower + 0.5)), 0, n - 1);
    win.col1 = std::clamp<int64_t>(int64_t(std::ceil(xr.upper - 0.5)) + 1, win.col0 + 1, n);
    win.row0 = std::clamp<int64_t>(int64_t(std::floor(yr.lower + 0.5)), 0, n - 1);
    win.row1 = std::clamp<int64_t>(int64_t(std::ceil(yr.upper - 0.5)) + 1, win.row0 + 1, n);
    // One cell count for all three pictures: the smallest plot area's pixels.
    int w = 1 << 20, h = 1 << 20;
    for (QCustomPlot* p : plots_) {
        w = std::min(w, p->axisRect()->rect().width());
        h = std::min(h, p->axisRect()->rect().height());
    }
    win.maxCellsX = std::max(32, w);
    win.maxCellsY = std::max(32, h);
    return win;
}

void CompareView::request(bool keepB) {
    if (!a_) return;
    if (!isVisible()) {  // nothing to compute for a closed view; showEvent catches up
        dirty_ = true;
        return;
    }
    dirty_ = false;
    const uint64_t gen = ++generation_;
    pending_ = true;
    ComparisonRequest r;
    r.a = a_;
    r.b = editor_->spec();
    r.window = pictureWindow();
    if (keepB && shown_ && shown_->a->workload == a_->workload && shown_->a->selection == a_->selection &&
        samePattern(shown_->b, r.b)) {
        r.knownMaskB = shown_->maskB;
        r.knownMetricsB = shown_->metricsB;
    }
    pool_.start([this, gen, r] {
        auto stale = [this, gen] { return generation_.load() != gen; };
        try {
            auto c = std::make_shared<const Comparison>(computeComparison(r, stale));
            QMetaObject::invokeMethod(this, [this, gen, c] {
                if (gen == generation_.load()) showComparison(c);
            }, Qt::QueuedConnection);
        } catch (const StageSuperseded&) {
        } catch (const std::exception& e) {
            const QString problem = QString::fromStdString(e.what());
            QMetaObject::invokeMethod(this, [this, gen, problem] {
                if (gen != generation_.load()) return;
                pending_ = false;
                status_->setText(tr("Pattern B: %1").arg(problem));
                emit comparisonFailed(problem);
            }, Qt::QueuedConnection);
        }
    });
}

void CompareView::showComparison(const std::shared_ptr<const Comparison>& c) {
    shown_ = c;
    pending_ = false;
    status_->clear();
    fillMap(maps_[PictureA], c->gridA, kCatCount);
    fillMap(maps_[PictureB], c->gridB, kCatCount);
    fillMap(maps_[PictureDiff], c->diff, kDiffCount);
    for (QCustomPlot* p : plots_) p->replot();
    titles_[PictureA]->setText(tr("<b>A</b> — %1").arg(describePattern(c->a->pattern).toHtmlEscaped()));
    titles_[PictureB]->setText(tr("<b>B</b> — %1").arg(describePattern(c->b).toHtmlEscaped()));
    titles_[PictureDiff]->setText(tr("<b>Difference</b> · layer %1 · head %2")
                                      .arg(c->a->selection.layer).arg(c->a->selection.head));
    ruleLegend_->setText(ruleLegendText());
    diffLegend_->setText(diffLegendText());
    showReadouts();
    emit comparisonReady();
}

void CompareView::showReadouts() {
    for (size_t f = 0; f < std::size(kFigures); ++f)
        for (int s = 0; s < 2; ++s) readouts_[f][size_t(s)]->setText(readoutText(kFigures[f], Side(s)));
    counts_->setText(countsText());
}

QString CompareView::readoutText(Figure f, Side side) const {
    if (!shown_) return QStringLiteral("—");
    return formatFigure(f, side == SideA ? shown_->a->metrics : *shown_->metricsB);
}

QString CompareView::countsText() const {
    if (!shown_) return {};
    const MaskDiffCounts& k = shown_->counts;
    auto pct = [&k](int64_t v) { return k.possible ? 100.0 * double(v) / double(k.possible) : 0.0; };
    return tr("Causal pairs kept by A only: %1 (%2 %) · by B only: %3 (%4 %) · by both: %5 (%6 %) · by neither: %7")
        .arg(k.aOnly).arg(pct(k.aOnly), 0, 'f', 1).arg(k.bOnly).arg(pct(k.bOnly), 0, 'f', 1)
        .arg(k.both).arg(pct(k.both), 0, 'f', 1).arg(k.neither);
}

QString CompareView::diffLegendText() const {
    QString html = tr("Difference: ");
    for (int c : {int(kDiffAOnly), int(kDiffBOnly), int(kDiffBoth), int(kDiffNeither), int(kDiffMixed)}) {
        if (c == kDiffMixed && !(shown_ && std::count(shown_->diff.values.begin(), shown_->diff.values.end(), float(c))))
            continue;  // only where a cell covers several tokens
        html += QStringLiteral("<span style='color:%1; font-size:14pt'>■</span>&nbsp;%2&nbsp;&nbsp;&nbsp;")
                    .arg(diffClassColor(c).name(), diffClassName(c));
    }
    return html;
}

QString CompareView::ruleLegendText() const {
    std::vector<bool> present(kCatCount, false);
    present[kCatDropped] = true;
    if (shown_) {
        for (uint16_t r : shown_->a->mask->rules) present[size_t(ruleCategory(r))] = true;
        for (uint16_t r : shown_->maskB->rules) present[size_t(ruleCategory(r))] = true;
    }
    QString html = tr("A and B by rule: ");
    for (int c = kCatDropped; c < kCatCount; ++c) {
        if (!present[size_t(c)]) continue;
        html += QStringLiteral("<span style='color:%1; font-size:14pt'>■</span>&nbsp;%2&nbsp;&nbsp;&nbsp;")
                    .arg(categoryColor(c).name(), categoryName(c));
    }
    return html;
}

QString CompareView::statusText() const { return status_->text(); }

void CompareView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    scheduleResizeRequest();
}

void CompareView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (dirty_) scheduleResizeRequest();
}

void CompareView::scheduleResizeRequest() {
    if (resizePending_ || !a_) return;
    resizePending_ = true;
    // After the layout settles: the plots' new sizes decide the cell count.
    QTimer::singleShot(0, this, [this] {
        resizePending_ = false;
        request(true);
    });
}

}  // namespace sparsescope::ui
