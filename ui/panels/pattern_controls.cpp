#include "ui/panels/pattern_controls.h"

#include "core/pattern/presets.h"
#include "ui/panels/method_controls.h"
#include "ui/panels/preset_box.h"

#include <QComboBox>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QSpinBox>
#include <QVBoxLayout>

namespace sparsescope::ui {

namespace {

QString paramToolTip(PatternControls::Param p) {
    switch (p) {
    case PatternControls::Window: return PatternControls::tr("W: query i keeps keys i − W < j ≤ i (0 = off).");
    case PatternControls::Global: return PatternControls::tr("G: every query keeps the first G keys (attention sinks; 0 = off).");
    case PatternControls::Stride: return PatternControls::tr("S ≥ 2: query i keeps every key with (i − j) mod S = 0 (0 = off).");
    case PatternControls::TopK: return PatternControls::tr("K: each query keeps its K highest-scoring keys (oracle; 0 = off).");
    case PatternControls::BlockTopK: return PatternControls::tr("K blocks of B keys with the highest max score per query, plus its own block (0 = off).");
    case PatternControls::Random: return PatternControls::tr("R keys per query drawn uniformly from 0..i, seeded by (seed, i) (0 = off).");
    case PatternControls::BlockSize: return PatternControls::tr("B: tile size for block top-k and for the block density readout.");
    case PatternControls::ParamCount: break;
    }
    return {};
}

}  // namespace

QString PatternControls::paramName(Param p) {
    switch (p) {
    case Window: return tr("Window");
    case Global: return tr("Global");
    case Stride: return tr("Stride");
    case TopK: return tr("Top-k");
    case BlockTopK: return tr("Block top-k");
    case Random: return tr("Random");
    case BlockSize: return tr("Block size");
    case ParamCount: break;
    }
    return {};
}

int64_t& PatternControls::field(PatternSpec& s, Param p) {
    switch (p) {
    case Window: return s.window;
    case Global: return s.global;
    case Stride: return s.stride;
    case TopK: return s.topk;
    case BlockTopK: return s.blockTopk;
    case Random: return s.random;
    case BlockSize: break;
    case ParamCount: break;
    }
    return s.blockSize;
}

PatternControls::PatternControls(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);

    preset_ = new QComboBox;
    customIndex_ = fillPresetBox(preset_, 16);
    preset_->setItemData(customIndex_, tr("Your own combination of the rules below."), Qt::ToolTipRole);
    connect(preset_, &QComboBox::activated, this, &PatternControls::onPresetActivated);
    auto* presetRow = new QHBoxLayout;
    presetRow->addWidget(new QLabel(tr("Preset")));
    presetRow->addWidget(preset_, 1);
    outer->addLayout(presetRow);

    auto* grid = new QGridLayout;
    grid->setVerticalSpacing(2);
    for (int i = 0; i < ParamCount; ++i) {
        const auto p = static_cast<Param>(i);
        auto* label = new QLabel(paramName(p));
        label->setToolTip(paramToolTip(p));
        auto* slider = new QSlider(Qt::Horizontal);
        auto* spin = new QSpinBox;
        slider->setObjectName(QStringLiteral("slider_") + paramName(p));
        spin->setObjectName(QStringLiteral("spin_") + paramName(p));
        slider->setToolTip(paramToolTip(p));
        spin->setToolTip(paramToolTip(p));
        spin->setSpecialValueText(p == BlockSize ? QString() : tr("off"));
        const int lo = p == BlockSize ? 1 : 0;
        slider->setRange(lo, 1024);
        spin->setRange(lo, 1024);
        spin->setKeyboardTracking(false);
        connect(slider, &QSlider::valueChanged, this, [this, p](int v) { onValueChanged(p, v); });
        connect(spin, &QSpinBox::valueChanged, this, [this, p](int v) { onValueChanged(p, v); });
        grid->addWidget(label, i, 0);
        grid->addWidget(slider, i, 1);
        grid->addWidget(spin, i, 2);
        sliders_[size_t(i)] = slider;
        spins_[size_t(i)] = spin;
    }
    seed_ = new QSpinBox;
    seed_->setRange(0, 1'000'000);
    seed_->setToolTip(tr("Seed of the random links."));
    seed_->setKeyboardTracking(false);
    connect(seed_, &QSpinBox::valueChanged, this, [this](int v) {
        if (updating_) return;
        spec_.seed = static_cast<uint64_t>(v);
        spec_.dense = false;
        spec_.preset = "custom";
        preset_->setCurrentIndex(customIndex_);
        emit patternChanged(spec_);
    });
    grid->addWidget(new QLabel(tr("Seed")), ParamCount, 0);
    grid->addWidget(seed_, ParamCount, 2);
    grid->setColumnStretch(1, 1);
    outer->addLayout(grid);

    // The method's own parameters (NSA, DSA, Quest, ...), shown when the pattern uses them.
    methods_ = new MethodControls;
    connect(methods_, &MethodControls::specEdited, this, [this](const PatternSpec& edited) {
        spec_ = edited;
        spec_.preset = "custom";
        preset_->setCurrentIndex(customIndex_);
        showSpec();
        emit patternChanged(spec_);
    });
    outer->addWidget(methods_);

    auto* layerRow = new QHBoxLayout;
    layerMode_ = new QComboBox;
    layerMode_->addItems({tr("All layers"), tr("Layers")});
    layerMode_->setToolTip(tr("The layers the pattern is applied to in the model-level (loss) readout; the "
                              "model column of the attention readouts pools the same layers."));
    firstLayer_ = new QSpinBox;
    lastLayer_ = new QSpinBox;
    for (QSpinBox* s : {firstLayer_, lastLayer_}) {
        s->setEnabled(false);
        connect(s, &QSpinBox::valueChanged, this, [this] { if (!updating_) emit layersChanged(layers()); });
    }
    connect(layerMode_, &QComboBox::currentIndexChanged, this, [this](int mode) {
        firstLayer_->setEnabled(mode == 1);
        lastLayer_->setEnabled(mode == 1);
        if (!updating_) emit layersChanged(layers());
    });
    layerRow->addWidget(new QLabel(tr("Apply to")));
    layerRow->addWidget(layerMode_, 1);
    layerRow->addWidget(firstLayer_);
    layerRow->addWidget(new QLabel(QStringLiteral("–")));
    layerRow->addWidget(lastLayer_);
    outer->addLayout(layerRow);

    selectPreset(QStringLiteral("dense"));
}

void PatternControls::setTokenCount(int64_t n) {
    const int top = static_cast<int>(std::max<int64_t>(n, 2));
    updating_ = true;
    for (int i = 0; i < ParamCount; ++i) {
        sliders_[size_t(i)]->setMaximum(top);
        spins_[size_t(i)]->setMaximum(std::max(top, 4096));  // typing a larger value still means "all"
        sliders_[size_t(i)]->setPageStep(std::max(1, top / 16));
    }
    updating_ = false;
    showSpec();
}

void PatternControls::setLayerCount(int layers) {
    updating_ = true;
    const int last = std::max(0, layers - 1);
    firstLayer_->setRange(0, last);
    lastLayer_->setRange(0, last);
    lastLayer_->setValue(last);
    firstLayer_->setValue(0);
    layerMode_->setCurrentIndex(0);
    updating_ = false;
}

LayerSet PatternControls::layers() const {
    if (layerMode_->currentIndex() == 0) return {};
    LayerSet out;
    const int a = std::min(firstLayer_->value(), lastLayer_->value());
    const int b = std::max(firstLayer_->value(), lastLayer_->value());
    for (int l = a; l <= b; ++l) out.push_back(l);
    return out;
}

bool PatternControls::selectPreset(const QString& name) {
    const int index = preset_->findData(name);
    if (index < 0 || index == customIndex_) return false;
    preset_->setCurrentIndex(index);
    onPresetActivated(index);
    return true;
}

void PatternControls::setSpec(const PatternSpec& spec) {
    spec_ = spec;
    const int index = preset_->findData(QString::fromStdString(spec.preset));
    preset_->setCurrentIndex(index >= 0 ? index : customIndex_);
    showSpec();
    emit patternChanged(spec_);
}

void PatternControls::onPresetActivated(int index) {
    if (index == customIndex_) {
        spec_.preset = "custom";
        spec_.dense = false;
    } else {
        spec_ = presetSpec(preset_->itemData(index).toString().toStdString());
    }
    showSpec();
    emit patternChanged(spec_);
}

void PatternControls::onValueChanged(Param p, int value) {
    if (updating_) return;
    if (p == Stride && value == 1) value = spec_.stride >= 2 ? 0 : 2;  // stride 1 is not a pattern
    field(spec_, p) = value;
    spec_.dense = false;
    spec_.preset = "custom";
    preset_->setCurrentIndex(customIndex_);
    showSpec();
    emit patternChanged(spec_);
}

void PatternControls::showSpec() {
    updating_ = true;
    for (int i = 0; i < ParamCount; ++i) {
        const auto p = static_cast<Param>(i);
        const int v = static_cast<int>(std::min<int64_t>(field(spec_, p), spins_[size_t(i)]->maximum()));
        sliders_[size_t(i)]->setValue(v);
        spins_[size_t(i)]->setValue(v);
    }
    seed_->setValue(static_cast<int>(spec_.seed));
    methods_->showSpec(spec_);
    updating_ = false;
}

}  // namespace sparsescope::ui
