#include "ui/panels/preset_box.h"

#include "core/pattern/presets.h"

#include <QComboBox>
#include <QCoreApplication>

namespace sparsescope::ui {

int fillPresetBox(QComboBox* box, int minimumChars) {
    // The popup shows long titles in full.
    box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    box->setMinimumContentsLength(minimumChars);
    int index = 0;
    for (const PresetInfo& p : builtinPresets()) {
        box->addItem(QString::fromStdString(p.title), QString::fromStdString(p.name));
        box->setItemData(index++, QString::fromStdString(p.tooltip()), Qt::ToolTipRole);
    }
    box->addItem(QCoreApplication::translate("PatternControls", "Custom"), QStringLiteral("custom"));
    return index;
}

}  // namespace sparsescope::ui
