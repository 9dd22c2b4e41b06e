#include "ui/views/teach_docks.h"

#include "ui/controller/analysis_controller.h"
#include "ui/heatmap/heatmap_view.h"
#include "ui/panels/pattern_controls.h"
#include "ui/views/cost_context_view.h"
#include "ui/views/explain_panel.h"
#include "ui/views/reachability_view.h"
#include "ui/views/token_view.h"

#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>

namespace sparsescope::ui {

TeachDocks installTeachDocks(QMainWindow* window, AnalysisController* controller, PatternControls* pattern,
                             HeatmapView* heatmap, QMenu* viewMenu) {
    TeachDocks d;
    d.tokens = new TokenView;
    d.explain = new ExplainPanel;
    d.reachability = new ReachabilityView;
    d.cost = new CostContextView;
    const struct {
        QWidget* widget;
        const char* title;
        const char* name;
        const char* shortcut;
    } docks[] = {{d.tokens, QT_TRANSLATE_NOOP("TeachDocks", "Tokens"), "tokensDock", "Ctrl+Shift+T"},
                 {d.explain, QT_TRANSLATE_NOOP("TeachDocks", "Explain"), "explainDock", "Ctrl+Shift+E"},
                 {d.reachability, QT_TRANSLATE_NOOP("TeachDocks", "Reachability"), "reachabilityDock", "Ctrl+Shift+R"},
                 {d.cost, QT_TRANSLATE_NOOP("TeachDocks", "Cost vs context"), "costContextDock", "Ctrl+Shift+C"}};
    viewMenu->addSeparator();
    // Tabbed with the head gallery when there is one, so the heatmap keeps its size
    // and the token view sits beside it; else together at the bottom.
    QDockWidget* first = window->findChild<QDockWidget*>(QStringLiteral("galleryDock"));
    QDockWidget* shown = first;
    for (const auto& k : docks) {
        auto* dock = new QDockWidget(QObject::tr(k.title), window);
        dock->setObjectName(QString::fromLatin1(k.name));
        dock->setWidget(k.widget);
        window->addDockWidget(first ? window->dockWidgetArea(first) : Qt::BottomDockWidgetArea, dock);
        if (first) window->tabifyDockWidget(first, dock);
        else first = shown = dock;
        QAction* toggle = dock->toggleViewAction();
        toggle->setShortcut(QKeySequence(QString::fromLatin1(k.shortcut)));
        viewMenu->addAction(toggle);
    }
    shown->raise();

    QObject::connect(controller, &AnalysisController::headReady, window, [d](const HeadStagePtr& s) {
        d.tokens->setStage(s);
        d.explain->setStage(s);
        d.reachability->setStage(s);
        d.cost->setPattern(s->pattern);
    });
    QObject::connect(controller, &AnalysisController::workloadChanged, d.cost, &CostContextView::setWorkload);
    QObject::connect(pattern, &PatternControls::patternChanged, window, [d](const PatternSpec& p) {
        d.explain->setPattern(p);
        d.cost->setPattern(p);
    });
    QObject::connect(d.reachability, &ReachabilityView::computed, d.explain,
                     [d] { d.explain->setReachabilitySummary(d.reachability->summaryText()); });
    QObject::connect(d.cost, &CostContextView::computed, d.explain, [d] { d.explain->setCostSummary(d.cost->headline()); });
    QObject::connect(d.tokens, &TokenView::querySelected, heatmap, [heatmap](qint64 row) { heatmap->showQueryRow(row); });
    return d;
}

}  // namespace sparsescope::ui
