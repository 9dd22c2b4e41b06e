#include "ui/views/compact_pattern_editor.h"

#include "ui/panels/preset_box.h"

#include "core/pattern/presets.h"

#include <QComboBox>
#include <QGridLayout>
#include <QLabel>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace sparsescope::ui {

namespace {
const char* paramLabel(CompactPatternEditor::Param p) {
    switch (p) {
    case CompactPatternEditor::Window: return "Window";
    case CompactPatternEditor::Global: return "Global";
    case CompactPatternEditor::Stride: return "Stride";
    case CompactPatternEditor::Random: return "Random";
    case CompactPatternEditor::Seed: return "Seed";
    case CompactPatternEditor::TopK: return "Top-k";
    case CompactPatternEditor::BlockTopK: return "Block top-k";
    case CompactPatternEditor::BlockSize: return "Block size";
    case CompactPatternEditor::ParamCount: break;
    }
    return "";
}
}  // namespace

int64_t CompactPatternEditor::value(const PatternSpec& s, Param p) {
    switch (p) {
    case Window: return s.window;
    case Global: return s.global;
    case Stride: return s.stride;
    case Random: return s.random;
    case Seed: return int64_t(s.seed);
    case TopK: return s.topk;
    case BlockTopK: return s.blockTopk;
    case BlockSize: return s.blockSize;
    case ParamCount: break;
    }
    return 0;
}

void CompactPatternEditor::setValue(PatternSpec& s, Param p, int64_t v) {
    switch (p) {
    case Window: s.window = v; break;
    case Global: s.global = v; break;
    case Stride: s.stride = v; break;
    case Random: s.random = v; break;
    case Seed: s.seed = uint64_t(v); break;
    case TopK: s.topk = v; break;
    case BlockTopK: s.blockTopk = v; break;
    case BlockSize: s.blockSize = v; break;
    case ParamCount: break;
    }
}

CompactPatternEditor::CompactPatternEditor(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    preset_ = new QComboBox;
    customIndex_ = fillPresetBox(preset_, 14);
    connect(preset_, &QComboBox::activated, this, [this](int i) {
        if (i == customIndex_) return;
        setSpec(presetSpec(preset_->itemData(i).toString().toStdString()));
    });
    outer->addWidget(preset_);

    auto* grid = new QGridLayout;
    grid->setVerticalSpacing(2);
    for (int i = 0; i < ParamCount; ++i) {
        const auto p = static_cast<Param>(i);
        auto* spin = new QSpinBox;
        spin->setObjectName(QStringLiteral("compareB_") + QString::fromLatin1(paramLabel(p)));
        spin->setRange(p == BlockSize ? 1 : 0, p == Seed ? 1'000'000 : 4096);
        if (p != BlockSize && p != Seed) spin->setSpecialValueText(tr("off"));
        spin->setKeyboardTracking(false);
        connect(spin, &QSpinBox::valueChanged, this, [this, p](int v) { onValueChanged(p, v); });
        grid->addWidget(new QLabel(tr(paramLabel(p))), i / 2, (i % 2) * 2);
        grid->addWidget(spin, i / 2, (i % 2) * 2 + 1);
        spins_[size_t(i)] = spin;
    }
    outer->addLayout(grid);
    spec_ = presetSpec("dense");
    showSpec();
}

void CompactPatternEditor::setTokenCount(int64_t n) {
    updating_ = true;
    const int top = int(std::clamp<int64_t>(n, 4096, 1 << 20));  // larger than n still means "all"
    for (int i = 0; i < ParamCount; ++i)
        if (i != Seed) spins_[size_t(i)]->setMaximum(top);
    updating_ = false;
    showSpec();
}

bool CompactPatternEditor::selectPreset(const QString& name) {
    const int index = preset_->findData(name);
    if (index < 0 || index == customIndex_) return false;
    setSpec(presetSpec(name.toStdString()));
    return true;
}

void CompactPatternEditor::setSpec(const PatternSpec& spec) {
    spec_ = spec;
    const int index = preset_->findData(QString::fromStdString(spec.preset));
    preset_->setCurrentIndex(index >= 0 ? index : customIndex_);
    showSpec();
    emit specChanged(spec_);
}

void CompactPatternEditor::onValueChanged(Param p, int v) {
    if (updating_) return;
    if (p == Stride && v == 1) v = spec_.stride >= 2 ? 0 : 2;  // stride 1 is not a pattern
    setValue(spec_, p, v);
    spec_.dense = false;
    spec_.preset = "custom";
    preset_->setCurrentIndex(customIndex_);
    showSpec();
    emit specChanged(spec_);
}

void CompactPatternEditor::showSpec() {
    updating_ = true;
    for (int i = 0; i < ParamCount; ++i) {
        const auto p = static_cast<Param>(i);
        spins_[size_t(i)]->setValue(int(std::min<int64_t>(value(spec_, p), spins_[size_t(i)]->maximum())));
    }
    updating_ = false;
}

}  // namespace sparsescope::ui
