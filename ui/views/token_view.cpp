#include "ui/views/token_view.h"

#include "ui/heatmap/heatmap_text.h"
#include "ui/heatmap/rule_palette.h"

#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace sparsescope::ui {

namespace {

const QColor kEven(0xff, 0xff, 0xff), kOdd(0xee, 0xee, 0xee);  // token boundaries
const QColor kSelected(0x10, 0x10, 0x10);

QColor mixWithWhite(const QColor& c, double alpha) {
    auto mix = [alpha](int v) { return int(255 + (v - 255) * alpha + 0.5); };
    return QColor(mix(c.red()), mix(c.green()), mix(c.blue()));
}

bool dark(const QColor& c) { return 0.299 * c.red() + 0.587 * c.green() + 0.114 * c.blue() < 140; }

}  // namespace

TokenView::TokenView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    caption_ = new QLabel(tr("Click a token to see the keys its query row keeps."));
    caption_->setWordWrap(true);
    layout->addWidget(caption_);
    edit_ = new QPlainTextEdit;
    edit_->setReadOnly(true);
    edit_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    edit_->setTextInteractionFlags(Qt::NoTextInteraction);
    edit_->viewport()->setCursor(Qt::PointingHandCursor);
    edit_->viewport()->installEventFilter(this);
    edit_->viewport()->setMouseTracking(true);
    QFont f = edit_->font();
    f.setPointSizeF(f.pointSizeF() * 1.1);
    edit_->setFont(f);
    layout->addWidget(edit_, 1);
}

QWidget* TokenView::viewport() const { return edit_->viewport(); }

QColor TokenView::keyColor(int category, double weight, double maxWeight) {
    const double t = maxWeight > 0 ? std::clamp(weight / maxWeight, 0.0, 1.0) : 0.0;
    return mixWithWhite(categoryColor(category), 0.3 + 0.7 * std::sqrt(t));
}

QColor TokenView::baseBackground(int64_t j) const { return j % 2 ? kOdd : kEven; }

void TokenView::setStage(const HeadStagePtr& stage) {
    stage_ = stage;
    if (!stage_) return;
    if (stage_->workload != shown_) {
        shown_ = stage_->workload;
        if (selected_ >= shown_->n()) selected_ = -1;
        rebuildText();
    }
    applyHighlight();
}

void TokenView::rebuildText() {
    highlighted_.clear();
    edit_->clear();
    start_.clear();
    const Workload& w = *shown_;
    QTextCursor c(edit_->document());
    c.beginEditBlock();
    for (int64_t j = 0; j < w.n(); ++j) {
        start_.push_back(c.position());
        QString t = QString::fromStdString(w.tokens[size_t(j)]);
        t.remove(QLatin1Char('\r'));
        if (t.isEmpty()) t = QStringLiteral("∅");
        QTextCharFormat fmt;
        fmt.setBackground(baseBackground(j));
        c.insertText(t, fmt);
    }
    start_.push_back(c.position());
    c.endEditBlock();
}

void TokenView::setTokenFormat(int64_t j, const QColor& background, const QColor& foreground, bool bold) {
    QTextCursor c(edit_->document());
    c.setPosition(start_[size_t(j)]);
    c.setPosition(start_[size_t(j) + 1], QTextCursor::KeepAnchor);
    QTextCharFormat fmt;
    fmt.setBackground(background);
    fmt.setForeground(foreground);
    fmt.setFontWeight(bold ? QFont::Bold : QFont::Normal);
    c.setCharFormat(fmt);
}

void TokenView::applyHighlight() {
    if (!shown_ || start_.empty()) return;
    for (int64_t j : highlighted_) setTokenFormat(j, baseBackground(j), Qt::black, false);
    highlighted_.clear();
    if (selected_ < 0 || !stage_ || !stage_->mask || stage_->mask->n != shown_->n()) {
        caption_->setText(tr("Click a token to see the keys its query row keeps."));
        return;
    }
    const SparseMask& m = *stage_->mask;
    const int64_t i = selected_;
    double top = 0;
    if (stage_->probs)
        for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) top = std::max(top, double((*stage_->probs)(i, m.cols[size_t(e)])));
    QTextCursor block(edit_->document());
    block.beginEditBlock();
    double mass = 0;
    for (int64_t e = m.rowBegin(i); e < m.rowEnd(i); ++e) {
        const int64_t j = m.cols[size_t(e)];
        const double p = stage_->probs ? double((*stage_->probs)(i, j)) : 1.0;
        mass += p;
        const QColor bg = j == i ? kSelected : keyColor(ruleCategory(m.rules[size_t(e)]), p, stage_->probs ? top : 1.0);
        setTokenFormat(j, bg, dark(bg) ? Qt::white : Qt::black, j == i);
        highlighted_.push_back(j);
    }
    if (std::find(highlighted_.begin(), highlighted_.end(), i) == highlighted_.end())
        setTokenFormat(i, kSelected, Qt::white, true);
    block.endEditBlock();
    caption_->setText(tr("Query %1 «%2» keeps %3 of its %4 keys (%5 % of its dense attention), coloured by rule; "
                         "darker = more dense weight. Layer %6, head %7.")
                          .arg(i)
                          .arg(displayToken(shown_->tokens[size_t(i)], 24))
                          .arg(m.rowSize(i))
                          .arg(m.causal ? i + 1 : m.n)
                          .arg(100.0 * mass, 0, 'f', 1)
                          .arg(stage_->selection.layer)
                          .arg(stage_->selection.head));
}

void TokenView::selectQuery(int64_t i) {
    if (!shown_ || i < -1 || i >= shown_->n()) return;
    selected_ = i;
    applyHighlight();
    if (i < 0) return;
    QTextCursor c(edit_->document());  // keep the selected token in view
    c.setPosition(start_[size_t(i)]);
    edit_->setTextCursor(c);
    edit_->ensureCursorVisible();
    emit querySelected(i);
}

QColor TokenView::tokenBackground(int64_t j) const {
    QTextCursor c(edit_->document());
    c.setPosition(start_[size_t(j)] + 1);  // the format of the character before the cursor: token j's first
    return c.charFormat().background().color();
}

int64_t TokenView::tokenAt(const QPoint& pos) const {
    if (start_.size() < 2) return -1;
    const QTextCursor c = edit_->cursorForPosition(pos);
    int p = c.position();
    // cursorForPosition gives the nearest boundary: left of the point is the character hit.
    if (p > 0 && edit_->cursorRect(c).left() > pos.x()) --p;
    if (p >= start_.back()) p = start_.back() - 1;
    const auto it = std::upper_bound(start_.begin(), start_.end(), p);
    return std::clamp<int64_t>(int64_t(it - start_.begin()) - 1, 0, int64_t(start_.size()) - 2);
}

QPoint TokenView::tokenPoint(int64_t j) {
    QTextCursor c(edit_->document());
    c.setPosition(start_[size_t(j)]);
    edit_->setTextCursor(c);
    edit_->ensureCursorVisible();
    const QRect a = edit_->cursorRect(c);
    c.setPosition(start_[size_t(j)] + 1);
    const QRect b = edit_->cursorRect(c);
    const int x = b.top() == a.top() ? (a.left() + b.left()) / 2 : a.left() + 2;
    return QPoint(x, a.center().y());
}

bool TokenView::eventFilter(QObject* watched, QEvent* event) {
    if (watched != edit_->viewport()) return QWidget::eventFilter(watched, event);
    if (event->type() == QEvent::MouseButtonPress) {
        pressPos_ = static_cast<QMouseEvent*>(event)->position().toPoint();
    } else if (event->type() == QEvent::MouseButtonRelease) {
        auto* me = static_cast<QMouseEvent*>(event);
        if (me->button() == Qt::LeftButton && (me->position().toPoint() - pressPos_).manhattanLength() < 6) {
            const int64_t j = tokenAt(me->position().toPoint());
            if (j >= 0) selectQuery(j);
            return true;
        }
    } else if (event->type() == QEvent::ToolTip && stage_ && shown_) {
        auto* he = static_cast<QHelpEvent*>(event);
        const int64_t j = tokenAt(he->pos());
        if (j < 0) return true;
        const QString text = selected_ >= 0 ? heatmapToolTip(*stage_, selected_, j)
                                            : tr("token %1 «%2»: click to select its query row")
                                                  .arg(j)
                                                  .arg(displayToken(shown_->tokens[size_t(j)], 24));
        QToolTip::showText(he->globalPos(), text, edit_->viewport());
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace sparsescope::ui
