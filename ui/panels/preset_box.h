#pragma once
// The preset chooser shared by the pattern panel and the comparison's pattern B:
// core's builtin presets (title shown, core name as item data, the preset's rule and
// source as tooltip) and a last "Custom" entry. Long titles do not widen the dock.
class QComboBox;

namespace sparsescope::ui {

// Fills `box`; returns the index of the "Custom" entry.
int fillPresetBox(QComboBox* box, int minimumChars);

}  // namespace sparsescope::ui
