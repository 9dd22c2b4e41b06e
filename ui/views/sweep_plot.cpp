#include "ui/views/sweep_plot.h"

#include <qcustomplot.h>

#include <QVariantList>

#include <algorithm>
#include <cmath>

namespace sparsescope::ui {

namespace {

QColor curveColor(size_t i) {
    static const QColor colors[] = {QColor(31, 119, 180), QColor(214, 39, 40),  QColor(44, 160, 44),
                                    QColor(148, 103, 189), QColor(255, 127, 14), QColor(140, 86, 75),
                                    QColor(227, 119, 194), QColor(23, 190, 207)};
    return colors[i % (sizeof colors / sizeof colors[0])];
}

QString curveName(const SweepResult& s, size_t i) {
    QString preset = QString::fromStdString(s.base.preset);
    if (preset.endsWith(QLatin1String("+custom"))) preset.chop(7);
    return i == 0 ? QObject::tr("current pattern (%1)").arg(preset) : preset;
}

QString valueText(double v) { return QString::number(v, 'g', 6); }

}  // namespace

SweepPlotOutput drawSweepPlot(QCustomPlot* plot, const SweepPlotInput& in) {
    SweepPlotOutput out;
    plot->clearPlottables();
    plot->clearItems();
    if (plot->plotLayout()->rowCount() > 1) {
        plot->plotLayout()->remove(plot->plotLayout()->element(0, 0));
        plot->plotLayout()->simplify();
    }
    // Labels and the budget line live on a layer below the curves, so a click on a
    // point reaches the point and not its label.
    if (!plot->layer(QStringLiteral("sweepItems")))
        plot->addLayer(QStringLiteral("sweepItems"), plot->layer(QStringLiteral("main")), QCustomPlot::limBelow);
    plot->setCurrentLayer(QStringLiteral("sweepItems"));
    const bool recall = in.accuracy == AccuracyAxis::RecallMean;
    const bool density = in.cost == CostAxis::Density;
    plot->xAxis->setLabel(density ? QObject::tr("attention density (kept pairs / causal pairs, log scale)")
                                  : QObject::tr("attention FLOPs, sparse incl. selector / dense (log scale)"));
    plot->yAxis->setLabel(recall ? QObject::tr("attention recall (mean over rows and heads)")
                                 : QObject::tr("Δ loss (nats per token, sparse − dense)"));
    plot->xAxis->setScaleType(QCPAxis::stLogarithmic);

    const std::vector<SweepResult> empty;
    const std::vector<SweepResult>& results = in.results ? *in.results : empty;
    if (!results.empty()) {
        const SweepResult& s = results.front();
        QString title = QObject::tr("%1 swept on %2 tokens").arg(in.paramLabel).arg(s.tokens);
        if (in.stale) title += QObject::tr(" — stale: the pattern changed");
        plot->plotLayout()->insertRow(0);
        auto* text = new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold));
        plot->plotLayout()->addElement(0, 0, text);
    }

    double xmin = 1, xmax = 0, ymin = 1e300, ymax = -1e300;
    auto onCurveLayer = [plot](QCPAbstractPlottable* p) { p->setLayer(QStringLiteral("main")); };
    struct Label {
        double x, y;
        QString text;
    };
    std::vector<Label> labels;  // curve 0's values, placed once the ranges are known
    QVector<double> bx, by, bt;
    QVariantList budgetPoints;
    for (size_t c = 0; c < results.size(); ++c) {
        const SweepResult& s = results[c];
        auto* curve = new QCPCurve(plot->xAxis, plot->yAxis);
        curve->setName(curveName(s, c));
        curve->setPen(QPen(curveColor(c), c == 0 ? 2.2 : 1.6));
        curve->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, curveColor(c), Qt::white, 7));
        curve->setSelectable(QCP::stSingleData);
        onCurveLayer(curve);
        out.curves.push_back(curve);
        for (size_t r = 0; r < s.rows.size(); ++r) {
            const auto acc = accuracyOf(s.rows[r], in.accuracy);
            if (!acc) continue;
            const double x = costOf(s.rows[r], in.cost), y = *acc;
            curve->addData(double(r), x, y);
            xmin = std::min(xmin, x);
            xmax = std::max(xmax, x);
            ymin = std::min(ymin, y);
            ymax = std::max(ymax, y);
            if (meetsBudget(s.rows[r], in.accuracy, in.budgetLimit)) {
                out.withinBudget.emplace_back(int(c), int(r));
                bt << double(bt.size());
                bx << x;
                by << y;
                budgetPoints << QPoint(int(c), int(r));
            }
            if (!out.current && sameRules(s.rows[r].pattern, in.current) && s.layers == in.currentLayers)
                out.current = std::make_pair(int(c), int(r));
            if (c == 0) labels.push_back({x, y, valueText(s.rows[r].value)});
        }
    }
    if (!bx.isEmpty()) {
        auto* marks = new QCPCurve(plot->xAxis, plot->yAxis);
        marks->setName(QObject::tr("within the accuracy budget"));
        marks->setLineStyle(QCPCurve::lsNone);
        marks->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0, 150, 80), 8));
        marks->setData(bt, bx, by);
        marks->setProperty("points", budgetPoints);
        marks->setSelectable(QCP::stSingleData);
        onCurveLayer(marks);
    }
    if (out.current) {
        const SweepRow& row = results[size_t(out.current->first)].rows[size_t(out.current->second)];
        auto* mark = new QCPCurve(plot->xAxis, plot->yAxis);
        mark->setName(QObject::tr("current setting (%1)").arg(valueText(row.value)));
        mark->setLineStyle(QCPCurve::lsNone);
        mark->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(QColor(230, 120, 0), 3), Qt::NoBrush, 17));
        mark->addData(0, costOf(row, in.cost), *accuracyOf(row, in.accuracy));
        mark->setProperty("points", QVariantList{QPoint(out.current->first, out.current->second)});
        mark->setSelectable(QCP::stSingleData);
        onCurveLayer(mark);
    }

    // The budget line, labelled at its left end.
    const double limit = in.budgetLimit;
    auto* line = new QCPItemStraightLine(plot);
    line->point1->setCoords(1e-9, limit);
    line->point2->setCoords(1.0, limit);
    line->setPen(QPen(QColor(0, 150, 80), 1.2, Qt::DashLine));
    auto* budgetLabel = new QCPItemText(plot);
    budgetLabel->position->setType(QCPItemPosition::ptAxisRectRatio);
    budgetLabel->position->setTypeY(QCPItemPosition::ptPlotCoords);
    budgetLabel->position->setCoords(0.01, limit);
    budgetLabel->setPositionAlignment(recall ? (Qt::AlignLeft | Qt::AlignBottom) : (Qt::AlignLeft | Qt::AlignTop));
    budgetLabel->setText(recall ? QObject::tr("budget: recall ≥ %1").arg(limit) : QObject::tr("budget: Δ loss ≤ %1").arg(limit));
    budgetLabel->setColor(QColor(0, 120, 60));
    budgetLabel->setClipToAxisRect(true);

    // Ranges: every point and the budget line in view, with room for the labels.
    if (xmax <= 0) {
        xmin = 0.01;
        xmax = 1;
        ymin = recall ? 0 : -0.05;
        ymax = recall ? 1 : 0.5;
    }
    ymin = std::min(ymin, limit);
    ymax = std::max(ymax, limit);
    if (recall) ymax = std::max(ymax, 1.0);
    const double ypad = std::max(1e-3, (ymax - ymin) * 0.08);
    plot->xAxis->setRange(xmin / 1.5, std::max(xmax * 1.5, xmin * 2));
    plot->yAxis->setRange(ymin - ypad, ymax + ypad);

    // Log axis ticks at 1, 2, 5 x 10^k: a label every step, not only at the decades.
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const QCPRange xr = plot->xAxis->range();
    for (int e = int(std::floor(std::log10(xr.lower))); e <= int(std::ceil(std::log10(xr.upper))); ++e)
        for (double m : {1.0, 2.0, 5.0}) {
            const double t = m * std::pow(10.0, e);
            if (t >= xr.lower && t <= xr.upper) ticker->addTick(t, QString::number(t, 'g', 3));
        }
    ticker->setSubTickCount(0);
    plot->xAxis->setTicker(ticker);

    // Curve 0's values beside its points, skipping one that would overlap the last.
    plot->plotLayout()->update(QCPLayoutElement::upLayout);
    QPointF last(-1e9, -1e9);
    for (const Label& l : labels) {
        const QPointF px(plot->xAxis->coordToPixel(l.x), plot->yAxis->coordToPixel(l.y));
        if (std::abs(px.x() - last.x()) < 26 && std::abs(px.y() - last.y()) < 14) continue;
        last = px;
        auto* label = new QCPItemText(plot);
        label->position->setCoords(l.x, l.y);
        label->setPositionAlignment(recall ? (Qt::AlignLeft | Qt::AlignTop) : (Qt::AlignLeft | Qt::AlignBottom));
        label->setPadding(QMargins(5, 2, 2, 2));
        label->setText(l.text);
        label->setColor(QColor(60, 60, 60));
        label->setFont(QFont(plot->font().family(), 8));
        label->setClipToAxisRect(true);
    }

    plot->legend->setVisible(!results.empty());
    plot->legend->setFont(QFont(plot->font().family(), 9));
    plot->legend->setBrush(QColor(255, 255, 255, 225));
    plot->axisRect()->insetLayout()->setInsetAlignment(
        0, recall ? (Qt::AlignBottom | Qt::AlignRight) : (Qt::AlignTop | Qt::AlignRight));
    plot->setCurrentLayer(QStringLiteral("main"));
    plot->replot();
    return out;
}

}  // namespace sparsescope::ui
