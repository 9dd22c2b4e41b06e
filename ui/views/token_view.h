#pragma once
// The token view (issue 6): the text shown as its tokens. Clicking a token selects
// its query row: the keys that row keeps are highlighted in the text, coloured by
// the rule that kept them (ui/heatmap/rule_palette.h, the heatmap's colours) with
// the dense weight as intensity, and querySelected() asks the heatmap to scroll to
// the row. Hovering a token shows the heatmap's tooltip for (selected query, token).
#include "ui/controller/analysis_results.h"

#include <QColor>
#include <QWidget>

#include <vector>

class QLabel;
class QPlainTextEdit;

namespace sparsescope::ui {

class TokenView : public QWidget {
    Q_OBJECT
public:
    explicit TokenView(QWidget* parent = nullptr);

    void setStage(const HeadStagePtr& stage);
    // Selects query row i (-1: none), highlights its keys and emits querySelected.
    void selectQuery(int64_t i);
    int64_t selectedQuery() const { return selected_; }

    // Highlight colour of kept key j of the selected row: the rule's colour mixed
    // with white, alpha = 0.3 + 0.7 sqrt(p_ij / max_j p_ij) (sqrt: attention is
    // peaked, a linear scale would leave most kept keys invisible).
    static QColor keyColor(int category, double weight, double maxWeight);

    // For tests: the highlighted keys (ascending), the background of token j in the
    // document, the token under a viewport point, and a point inside token j
    // (scrolled into view first).
    const std::vector<int64_t>& highlightedKeys() const { return highlighted_; }
    QColor tokenBackground(int64_t j) const;
    int64_t tokenAt(const QPoint& viewportPos) const;
    QPoint tokenPoint(int64_t j);
    QPlainTextEdit* editor() const { return edit_; }
    QWidget* viewport() const;

signals:
    void querySelected(qint64 query);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void rebuildText();
    void applyHighlight();
    void setTokenFormat(int64_t j, const QColor& background, const QColor& foreground, bool bold);
    QColor baseBackground(int64_t j) const;

    QPlainTextEdit* edit_ = nullptr;
    QLabel* caption_ = nullptr;
    HeadStagePtr stage_;
    WorkloadPtr shown_;
    std::vector<int> start_;  // n + 1 document positions: token j is [start_[j], start_[j+1])
    std::vector<int64_t> highlighted_;
    int64_t selected_ = -1;
    QPoint pressPos_;
};

}  // namespace sparsescope::ui
