#pragma once
// The Explain panel (issue 6): the current pattern in plain words
// (core/explore/explain.h), with the share of pairs the selected head's mask keeps,
// the preset's source, and the reachability summary when the view has one.
// Updated live: the rules at once when the pattern changes, the density when the
// head stage with its mask arrives.
#include "ui/controller/analysis_results.h"

#include <QWidget>

class QLabel;

namespace sparsescope::ui {

class ExplainPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExplainPanel(QWidget* parent = nullptr);

    void setPattern(const PatternSpec& pattern);  // rules only, density pending
    void setStage(const HeadStagePtr& stage);     // rules + the mask's density
    // What the other views found for this pattern (cleared when the pattern changes).
    void setReachabilitySummary(const QString& text);
    void setCostSummary(const QString& text);

    // The sentence shown (plain text), for tests.
    QString explanation() const { return explanation_; }
    QString text() const;  // everything the panel shows, as plain text

private:
    void render();

    QLabel* body_ = nullptr;
    PatternSpec pattern_;
    bool hasPattern_ = false;
    HeadStagePtr stage_;
    QString explanation_;
    QString reachability_, cost_;
};

}  // namespace sparsescope::ui
