#include "ui/panels/readouts_panel.h"

#include <QApplication>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QLabel>
#include <QProgressBar>
#include <QVBoxLayout>

namespace sparsescope::ui {

namespace {

enum class CellState { Plain, Pass, Fail, Pending };

// Colour (and bold for a miss) by palette and font: much cheaper than style sheets,
// which re-polish the widget on every change. Unchanged states are skipped.
void applyState(QLabel* label, CellState state) {
    const int code = int(state) + 1;  // 0 = never styled
    if (label->property("cellState").toInt() == code) return;
    label->setProperty("cellState", code);
    QPalette p = label->palette();
    const QColor colour = state == CellState::Pass      ? QColor(0x1b, 0x7f, 0x3b)
                          : state == CellState::Fail    ? QColor(0xc6, 0x28, 0x28)
                          : state == CellState::Pending ? QColor(0x9e, 0x9e, 0x9e)
                                                        : QApplication::palette().color(QPalette::WindowText);
    p.setColor(QPalette::WindowText, colour);
    label->setPalette(p);
    QFont f = label->font();
    f.setBold(state == CellState::Fail);
    label->setFont(f);
}

CellState stateOf(bool pending, std::optional<bool> verdict) {
    if (pending) return CellState::Pending;
    if (!verdict) return CellState::Plain;
    return *verdict ? CellState::Pass : CellState::Fail;
}

bool isAccuracy(Figure f) { return f >= Figure::RecallMean; }

QLabel* sectionLabel(const QString& text) {
    auto* l = new QLabel(QStringLiteral("<b>%1</b>").arg(text));
    l->setContentsMargins(0, 6, 0, 0);
    return l;
}

HeadMetrics withoutRows(HeadMetrics m) {
    m.rowRecall.clear();
    m.rowOutputError.clear();
    m.rowDensity.clear();
    m.rowIndexerOverlap.clear();
    return m;
}

}  // namespace

ReadoutsPanel::ReadoutsPanel(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    auto* grid = new QGridLayout;
    grid->setHorizontalSpacing(12);
    grid->setVerticalSpacing(2);
    const QStringList heads = {tr("Head"), tr("Layer"), tr("Model")};
    for (int c = 0; c < ColumnCount; ++c) {
        headers_[size_t(c)] = new QLabel(QStringLiteral("<b>%1</b>").arg(heads[c]));
        headers_[size_t(c)]->setAlignment(Qt::AlignRight);
        grid->addWidget(headers_[size_t(c)], 0, c + 1);
    }
    int row = 1;
    for (int f = 0; f < int(Figure::Count); ++f) {
        const auto fig = static_cast<Figure>(f);
        if (f == 0) grid->addWidget(sectionLabel(tr("Compute")), row++, 0, 1, 4);
        if (fig == Figure::RecallMean) grid->addWidget(sectionLabel(tr("Accuracy (attention)")), row++, 0, 1, 4);
        auto* name = new QLabel(figureName(fig));
        name->setToolTip(figureToolTip(fig));
        grid->addWidget(name, row, 0);
        names_[size_t(f)] = name;
        for (int c = 0; c < ColumnCount; ++c) {
            auto* cell = new QLabel(QStringLiteral("–"));
            cell->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
            cell->setTextInteractionFlags(Qt::TextSelectableByMouse);
            cell->setToolTip(figureToolTip(fig));
            grid->addWidget(cell, row, c + 1);
            cells_[size_t(c)][size_t(f)] = cell;
        }
        ++row;
    }
    outer->addLayout(grid);

    auto* evalBox = new QGroupBox(tr("Accuracy (model level: next-token loss)"));
    auto* evalLayout = new QGridLayout(evalBox);
    evalLayout->setVerticalSpacing(2);
    evalStatus_ = new QLabel(tr("waiting for a workload"));
    evalProgress_ = new QProgressBar;
    evalProgress_->setMaximumHeight(14);
    evalProgress_->setTextVisible(false);
    evalProgress_->setRange(0, 1);
    evalProgress_->setValue(0);
    evalProgress_->setMaximumWidth(120);
    evalLayout->addWidget(evalStatus_, 0, 0);
    evalLayout->addWidget(evalProgress_, 0, 1, Qt::AlignRight);
    for (int f = 0; f < int(EvalFigure::Count); ++f) {
        evalLayout->addWidget(new QLabel(evalFigureName(static_cast<EvalFigure>(f))), f + 1, 0);
        auto* cell = new QLabel(QStringLiteral("–"));
        cell->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
        cell->setTextInteractionFlags(Qt::TextSelectableByMouse);
        evalLayout->addWidget(cell, f + 1, 1);
        evalCells_[size_t(f)] = cell;
    }
    outer->addWidget(evalBox);
    outer->addWidget(buildBudgetEditor());
    outer->addStretch(1);
}

QWidget* ReadoutsPanel::buildBudgetEditor() {
    auto* box = new QGroupBox(tr("Accuracy budget (green: within, red: outside)"));
    auto* form = new QGridLayout(box);
    form->setVerticalSpacing(2);
    form->setHorizontalSpacing(6);
    struct Row { QString label; double AccuracyBudget::*field; double max, step; int decimals; };
    const Row rows[] = {
        {tr("Recall mean ≥"), &AccuracyBudget::recallMean, 1.0, 0.01, 3},
        {tr("Recall min ≥"), &AccuracyBudget::recallMin, 1.0, 0.05, 3},
        {tr("KL ≤"), &AccuracyBudget::klMean, 10.0, 0.01, 3},
        {tr("Output err. ≤"), &AccuracyBudget::outputError, 10.0, 0.01, 3},
        {tr("Top-1 ret. ≥"), &AccuracyBudget::top1Retention, 1.0, 0.01, 3},
        {tr("Δ loss ≤"), &AccuracyBudget::lossDelta, 10.0, 0.01, 3},
        {tr("Top-1 agr. ≥"), &AccuracyBudget::top1Agreement, 1.0, 0.01, 3},
    };
    for (size_t i = 0; i < std::size(rows); ++i) {
        auto* spin = new QDoubleSpinBox;
        spin->setRange(0.0, rows[i].max);
        spin->setSingleStep(rows[i].step);
        spin->setDecimals(rows[i].decimals);
        spin->setValue(budget_.*(rows[i].field));
        const auto field = rows[i].field;
        connect(spin, &QDoubleSpinBox::valueChanged, this, [this, field](double v) {
            budget_.*field = v;
            restyle();
            emit budgetChanged(budget_);
        });
        spin->setMaximumWidth(80);
        const int r = int(i) / 2, c = (int(i) % 2) * 2;
        form->addWidget(new QLabel(rows[i].label), r, c, Qt::AlignRight);
        form->addWidget(spin, r, c + 1);
        budgetSpins_[i] = spin;
    }
    return box;
}

void ReadoutsPanel::setBudget(const AccuracyBudget& budget) {
    const double AccuracyBudget::*fields[] = {&AccuracyBudget::recallMean, &AccuracyBudget::recallMin,
                                             &AccuracyBudget::klMean, &AccuracyBudget::outputError,
                                             &AccuracyBudget::top1Retention, &AccuracyBudget::lossDelta,
                                             &AccuracyBudget::top1Agreement};
    budget_ = budget;
    for (size_t i = 0; i < budgetSpins_.size(); ++i) {
        QSignalBlocker block(budgetSpins_[i]);
        budgetSpins_[i]->setValue(budget_.*fields[i]);
    }
    restyle();
}

void ReadoutsPanel::setHead(const HeadStagePtr& s) {
    headGeneration_ = s->generation;
    headers_[HeadColumn]->setText(
        tr("<b>Head L%1·H%2</b>").arg(s->selection.layer).arg(s->selection.head));
    headers_[LayerColumn]->setText(tr("<b>Layer %1</b>").arg(s->selection.layer));
    names_[size_t(Figure::BlockDensity)]->setText(tr("Block density (B = %1)").arg(s->metrics.blockSize));
    shown_[HeadColumn] = withoutRows(s->metrics);
    pending_[HeadColumn] = false;
    showColumn(HeadColumn, &*shown_[HeadColumn]);
}

void ReadoutsPanel::setLayer(const LayerStagePtr& s) {
    shown_[LayerColumn] = withoutRows(s->aggregate);
    pending_[LayerColumn] = false;
    showColumn(LayerColumn, &*shown_[LayerColumn]);
}

void ReadoutsPanel::setModel(const ModelAttentionStagePtr& s) {
    const int L = int(s->perHead.size());
    const bool all = int(s->layers.size()) == L;
    headers_[ModelColumn]->setText(all ? tr("<b>Model</b>")
                                       : tr("<b>Model (layers %1–%2)</b>").arg(s->layers.front()).arg(s->layers.back()));
    shown_[ModelColumn] = withoutRows(s->aggregate);
    pending_[ModelColumn] = false;
    showColumn(ModelColumn, &*shown_[ModelColumn]);
}

void ReadoutsPanel::markPending() {
    pending_[LayerColumn] = pending_[ModelColumn] = true;
    restyle();
}

void ReadoutsPanel::clear() {
    for (int c = 0; c < ColumnCount; ++c) {
        shown_[size_t(c)].reset();
        pending_[size_t(c)] = false;
        showColumn(static_cast<Column>(c), nullptr);
    }
    evalShown_.reset();
    evalStale_ = false;
    showEval();
}

void ReadoutsPanel::showColumn(Column c, const HeadMetrics* m) {
    for (int f = 0; f < int(Figure::Count); ++f)
        cells_[size_t(c)][size_t(f)]->setText(m ? formatFigure(static_cast<Figure>(f), *m) : QStringLiteral("–"));
    restyle();
}

void ReadoutsPanel::setEvalStale() {
    evalStale_ = true;
    evalStatus_->setText(tr("stale: the pattern changed"));
    restyle();
}

void ReadoutsPanel::setEvalRunning() {
    evalStale_ = true;
    evalStatus_->setText(tr("recomputing (sparse forward pass)…"));
    evalProgress_->setRange(0, 1);
    evalProgress_->setValue(0);
    restyle();
}

void ReadoutsPanel::setEvalProgress(int done, int total) {
    evalProgress_->setRange(0, total);
    evalProgress_->setValue(done);
}

void ReadoutsPanel::setEval(const ModelEvalStagePtr& s) {
    evalShown_ = s->eval;
    evalStale_ = false;
    evalStatus_->setText(tr("up to date (%1 tokens)").arg(s->eval.tokens));
    evalProgress_->setRange(0, 1);
    evalProgress_->setValue(1);
    showEval();
}

void ReadoutsPanel::setEvalUnavailable(const QString& why) {
    evalShown_.reset();
    evalStale_ = false;
    evalStatus_->setText(tr("not available: %1").arg(why));
    evalProgress_->setRange(0, 1);
    evalProgress_->setValue(0);
    showEval();
}

void ReadoutsPanel::showEval() {
    for (int f = 0; f < int(EvalFigure::Count); ++f)
        evalCells_[size_t(f)]->setText(evalShown_ ? formatEvalFigure(static_cast<EvalFigure>(f), *evalShown_)
                                                  : QStringLiteral("–"));
    restyle();
}

std::optional<bool> ReadoutsPanel::cellVerdict(Figure f, Column c) const {
    if (!shown_[size_t(c)]) return std::nullopt;
    return withinBudget(f, *shown_[size_t(c)], budget_);
}

void ReadoutsPanel::restyle() {
    for (int c = 0; c < ColumnCount; ++c) {
        for (int f = 0; f < int(Figure::Count); ++f) {
            QLabel* cell = cells_[size_t(c)][size_t(f)];
            auto verdict = cellVerdict(static_cast<Figure>(f), static_cast<Column>(c));
            if (!isAccuracy(static_cast<Figure>(f))) verdict.reset();
            applyState(cell, stateOf(pending_[size_t(c)], verdict));
        }
    }
    for (int f = 0; f < int(EvalFigure::Count); ++f) {
        QLabel* cell = evalCells_[size_t(f)];
        std::optional<bool> verdict;
        if (evalShown_) verdict = withinBudget(static_cast<EvalFigure>(f), *evalShown_, budget_);
        applyState(cell, stateOf(evalStale_, verdict));
    }
}

QString ReadoutsPanel::cellText(Figure f, Column c) const { return cells_[size_t(c)][size_t(f)]->text(); }

QString ReadoutsPanel::evalText(EvalFigure f) const { return evalCells_[size_t(f)]->text(); }

}  // namespace sparsescope::ui
