// ui/ holds the desktop app's widgets (issue: the desktop app). Until they land
// the library carries only its version string so the target exists.
namespace sparsescope::ui {
const char* uiVersion() { return "0.1.0"; }
}  // namespace sparsescope::ui
