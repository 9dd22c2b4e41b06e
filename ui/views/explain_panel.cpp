#include "ui/views/explain_panel.h"

#include "core/common/error.h"
#include "core/explore/explain.h"
#include "core/pattern/presets.h"

#include <QLabel>
#include <QTextDocument>
#include <QVBoxLayout>

namespace sparsescope::ui {

ExplainPanel::ExplainPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    body_ = new QLabel;
    body_->setWordWrap(true);
    body_->setTextFormat(Qt::RichText);
    body_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    body_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(body_, 1);
    render();
}

void ExplainPanel::setPattern(const PatternSpec& pattern) {
    if (!hasPattern_ || !samePattern(pattern, pattern_)) reachability_.clear(), cost_.clear();
    pattern_ = pattern;
    hasPattern_ = true;
    render();
}

void ExplainPanel::setStage(const HeadStagePtr& stage) {
    stage_ = stage;
    if (stage_) {
        if (hasPattern_ && !samePattern(stage_->pattern, pattern_)) reachability_.clear(), cost_.clear();
        pattern_ = stage_->pattern;
        hasPattern_ = true;
    }
    render();
}

void ExplainPanel::setReachabilitySummary(const QString& text) {
    reachability_ = text;
    render();
}

void ExplainPanel::setCostSummary(const QString& text) {
    cost_ = text;
    render();
}

void ExplainPanel::render() {
    if (!hasPattern_) {
        explanation_.clear();
        body_->setText(tr("<i>Choose a pattern to see it explained.</i>"));
        return;
    }
    QString html;
    const PresetInfo* preset = nullptr;
    for (const PresetInfo& p : builtinPresets())
        if (p.name == pattern_.preset && sameRules(p.spec, pattern_)) preset = &p;
    try {
        // The stage's mask belongs to this pattern only when the rules match.
        const bool withMask = stage_ && stage_->mask && samePattern(stage_->pattern, pattern_);
        explanation_ = QString::fromStdString(withMask ? explainPattern(pattern_, *stage_->mask) : explainPattern(pattern_));
        html += QStringLiteral("<p style='font-size:12pt'>%1</p>").arg(explanation_.toHtmlEscaped());
        if (withMask && pattern_.needsScores())
            html += tr("<p><i>The keys depend on the data: the share is that of layer %1, head %2.</i></p>")
                        .arg(stage_->selection.layer)
                        .arg(stage_->selection.head);
        else if (!withMask)
            html += tr("<p><i>Share of pairs: waiting for the mask…</i></p>");
    } catch (const Error& e) {
        explanation_.clear();
        html += tr("<p>Invalid pattern: %1</p>").arg(QString::fromStdString(e.what()).toHtmlEscaped());
    }
    if (!reachability_.isEmpty())
        html += tr("<p><b>Across layers.</b> %1</p>").arg(reachability_.toHtmlEscaped());
    if (!cost_.isEmpty()) html += tr("<p><b>At long context.</b> %1</p>").arg(cost_.toHtmlEscaped());
    if (preset)
        html += tr("<p><b>%1</b><br>%2<br><small>Source: %3</small></p>")
                    .arg(QString::fromStdString(preset->title).toHtmlEscaped(),
                         QString::fromStdString(preset->description).toHtmlEscaped(),
                         QString::fromStdString(preset->source).toHtmlEscaped());
    body_->setText(html);
}

QString ExplainPanel::text() const {
    QTextDocument doc;
    doc.setHtml(body_->text());
    return doc.toPlainText();
}

}  // namespace sparsescope::ui
