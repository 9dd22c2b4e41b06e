#pragma once
// The teaching views of issue 6 as dock widgets of the main window (tabbed
// with the head gallery dock, "galleryDock"), their View-menu entries and their wiring to the
// controller, the pattern controls and the heatmap: kept out of main_window.cpp,
// which only calls installTeachDocks().
#include <QObject>

class QMainWindow;
class QMenu;

namespace sparsescope::ui {

class AnalysisController;
class CostContextView;
class ExplainPanel;
class HeatmapView;
class PatternControls;
class ReachabilityView;
class TokenView;

struct TeachDocks {
    TokenView* tokens = nullptr;
    ExplainPanel* explain = nullptr;
    ReachabilityView* reachability = nullptr;
    CostContextView* cost = nullptr;
};

TeachDocks installTeachDocks(QMainWindow* window, AnalysisController* controller, PatternControls* pattern,
                             HeatmapView* heatmap, QMenu* viewMenu);

}  // namespace sparsescope::ui
