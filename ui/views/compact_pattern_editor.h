#pragma once
// A compact pattern chooser for the comparison view's pattern B: a preset box
// and one spin box per rule parameter (no sliders, two columns), so it fits
// beside three heatmaps. Editing a value switches to "Custom" and keeps the
// preset's other fields, like the main window's PatternControls.
#include "core/pattern/pattern_spec.h"

#include <QWidget>

#include <array>

class QComboBox;
class QSpinBox;

namespace sparsescope::ui {

class CompactPatternEditor : public QWidget {
    Q_OBJECT
public:
    enum Param { Window, Global, Stride, Random, Seed, TopK, BlockTopK, BlockSize, ParamCount };

    explicit CompactPatternEditor(QWidget* parent = nullptr);

    // Shows `spec` (Custom unless it names a preset) and emits specChanged.
    void setSpec(const PatternSpec& spec);
    bool selectPreset(const QString& name);
    PatternSpec spec() const { return spec_; }
    void setTokenCount(int64_t n);

    QComboBox* presetBox() const { return preset_; }
    QSpinBox* spinBox(Param p) const { return spins_[size_t(p)]; }

signals:
    void specChanged(const sparsescope::PatternSpec& spec);

private:
    void showSpec();
    void onValueChanged(Param p, int value);
    static int64_t value(const PatternSpec& s, Param p);
    static void setValue(PatternSpec& s, Param p, int64_t v);

    PatternSpec spec_;
    QComboBox* preset_ = nullptr;
    int customIndex_ = 0;
    std::array<QSpinBox*, ParamCount> spins_{};
    bool updating_ = false;
};

}  // namespace sparsescope::ui
