#pragma once
// The parameters of the published methods (docs/methods.md) that the four-slider
// card does not show: NSA's branches, DSA's indexer, Quest's pages, MInference's
// lines, H2O's heavy hitters, top-p's coverage, the fixed pattern and BigBird's
// blocks. Only the rows of the methods the current pattern uses are visible, each
// with the paper's default, its meaning and its source in the tooltip. A note says
// what SparseScope substitutes for parts a method trains (NSA's gates and
// compressor, DSA's indexer).
#include "core/pattern/pattern_spec.h"

#include <QWidget>

#include <vector>

class QDoubleSpinBox;
class QLabel;
class QSpinBox;

namespace sparsescope::ui {

class MethodControls : public QWidget {
    Q_OBJECT
public:
    explicit MethodControls(QWidget* parent = nullptr);

    // Shows the rows of the methods `spec` enables, with its values.
    void showSpec(const PatternSpec& spec);

    // The spin box of a field, by its CLI name ("nsa-window", "top-p", ...); tests.
    QSpinBox* spinBox(const QString& name) const;
    QDoubleSpinBox* topPBox() const { return topP_; }
    QString noteText() const;
    int visibleRows() const;

signals:
    // A value was edited: `spec` is the shown spec with that value changed.
    void specEdited(const sparsescope::PatternSpec& spec);

private:
    struct Row {
        QString name;
        int64_t PatternSpec::*field;
        bool (*active)(const PatternSpec&);
        QLabel* label = nullptr;
        QSpinBox* spin = nullptr;
    };
    std::vector<Row> rows_;
    QLabel* topPLabel_ = nullptr;
    QDoubleSpinBox* topP_ = nullptr;
    QLabel* note_ = nullptr;
    PatternSpec spec_;
    bool updating_ = false;
};

}  // namespace sparsescope::ui
