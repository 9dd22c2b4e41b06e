#pragma once
// The pattern controls: a preset chooser (with each preset's description and
// source paper as tooltip) and a slider + spin box per rule parameter. Moving
// any of them switches the preset to "Custom" and keeps the other values.
// Also the layers the pattern applies to (all, or a range) for the model level.
#include "core/pattern/pattern_spec.h"
#include "ui/controller/analysis_results.h"

#include <QWidget>

#include <array>

class QComboBox;
class QSlider;
class QSpinBox;

namespace sparsescope::ui {

class MethodControls;

class PatternControls : public QWidget {
    Q_OBJECT
public:
    enum Param { Window, Global, Stride, TopK, BlockTopK, Random, BlockSize, ParamCount };

    explicit PatternControls(QWidget* parent = nullptr);

    // Slider ranges follow the workload: a parameter above n means "all".
    void setTokenCount(int64_t n);
    void setLayerCount(int layers);

    // Selects a preset by its core name ("streamingllm"); false if unknown.
    bool selectPreset(const QString& name);
    void setSpec(const PatternSpec& spec);  // shows `spec` (Custom unless it names a preset)
    PatternSpec spec() const { return spec_; }
    LayerSet layers() const;

    QSlider* slider(Param p) const { return sliders_[size_t(p)]; }
    QSpinBox* spinBox(Param p) const { return spins_[size_t(p)]; }
    QSpinBox* seedBox() const { return seed_; }
    QComboBox* presetBox() const { return preset_; }
    QComboBox* layerModeBox() const { return layerMode_; }
    QSpinBox* firstLayerBox() const { return firstLayer_; }
    QSpinBox* lastLayerBox() const { return lastLayer_; }
    static QString paramName(Param p);
    MethodControls* methodControls() const { return methods_; }

signals:
    void patternChanged(const sparsescope::PatternSpec& spec);
    void layersChanged(const sparsescope::ui::LayerSet& layers);

private:
    void onPresetActivated(int index);
    void onValueChanged(Param p, int value);
    void showSpec();
    static int64_t& field(PatternSpec& s, Param p);

    PatternSpec spec_;
    QComboBox* preset_ = nullptr;
    int customIndex_ = 0;
    std::array<QSlider*, ParamCount> sliders_{};
    std::array<QSpinBox*, ParamCount> spins_{};
    QSpinBox* seed_ = nullptr;
    MethodControls* methods_ = nullptr;
    QComboBox* layerMode_ = nullptr;
    QSpinBox* firstLayer_ = nullptr;
    QSpinBox* lastLayer_ = nullptr;
    bool updating_ = false;
};

}  // namespace sparsescope::ui
